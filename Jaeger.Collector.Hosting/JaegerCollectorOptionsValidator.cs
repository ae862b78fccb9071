using System.ComponentModel.DataAnnotations;
using System.Globalization;
using Jaeger.Hosting.Http;
using Microsoft.Extensions.Options;

namespace Jaeger.Collector;

/// <summary>Checks the attributes on <see cref="JaegerCollectorOptions"/> (source-generated).</summary>
[OptionsValidator]
internal sealed partial class JaegerCollectorOptionsValidator : IValidateOptions<JaegerCollectorOptions>
{
}

/// <summary>Checks what attributes cannot express: the receivers' listen addresses and cross-field rules.</summary>
internal sealed class JaegerCollectorOptionsRules : IValidateOptions<JaegerCollectorOptions>
{
    private const string Section = JaegerCollectorOptions.SectionName;

    public ValidateOptionsResult Validate(string? name, JaegerCollectorOptions options)
    {
        var failures = new List<string>();
        Check(failures, nameof(options.ThriftHttp), options.ThriftHttp);
        Check(failures, nameof(options.Grpc), options.Grpc);
        Check(failures, nameof(options.OtlpGrpc), options.OtlpGrpc);
        Check(failures, nameof(options.OtlpHttp), options.OtlpHttp);
        Check(failures, nameof(options.Zipkin), options.Zipkin);
        Check(failures, nameof(options.Admin), options.Admin);
        if (!Enum.IsDefined(options.FullQueuePolicy))
        {
            failures.Add($"{Section}:{nameof(options.FullQueuePolicy)} must be DropNewest, DropOldest or PushBack, not {options.FullQueuePolicy}.");
        }

        if (options.AggregateDependencies && options.DependencyFlushInterval <= TimeSpan.Zero)
        {
            failures.Add($"{Section}:{nameof(options.DependencyFlushInterval)} must be positive when {Section}:{nameof(options.AggregateDependencies)} is on, not {options.DependencyFlushInterval}.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void Check(List<string> failures, string receiverName, ReceiverOptions? receiver)
    {
        if (receiver is null)
        {
            failures.Add($"{Section}:{receiverName} must be set (use {Section}:{receiverName}:Enabled = false to turn the receiver off).");
            return;
        }

        if (receiver.Enabled && !ListenAddress.TryParse(receiver.Address, out _, out var error))
        {
            failures.Add($"{Section}:{receiverName}:{nameof(receiver.Address)}: {error}.");
        }
    }
}

/// <summary>The configuration key of the option a validation context describes: <c>Jaeger:Collector:ThriftHttp:Address</c>.</summary>
internal static class CollectorOptionKey
{
    // The source generator names a member "<options type or name>.<path>" (JaegerCollectorOptions.ThriftHttp.Address).
    public static string Of(ValidationContext context) => JaegerCollectorOptions.SectionName + ":" + KeyPath(context.DisplayName);

    private static string KeyPath(string displayName)
    {
        var dot = displayName.IndexOf('.', StringComparison.Ordinal);
        var path = dot < 0 ? displayName : displayName[(dot + 1)..];
        return path.Replace('.', ':').Replace("[", ":", StringComparison.Ordinal).Replace("]", string.Empty, StringComparison.Ordinal);
    }
}

/// <summary>A whole number from <see cref="Minimum"/> to <see cref="Maximum"/> (null passes); the message names the configuration key and the value.</summary>
[AttributeUsage(AttributeTargets.Property)]
internal sealed class BetweenAttribute(long minimum, long maximum) : ValidationAttribute
{
    public long Minimum { get; } = minimum;

    public long Maximum { get; } = maximum;

    protected override ValidationResult? IsValid(object? value, ValidationContext validationContext)
    {
        if (value is null)
        {
            return ValidationResult.Success;
        }

        var number = Convert.ToInt64(value, CultureInfo.InvariantCulture);
        if (number >= Minimum && number <= Maximum)
        {
            return ValidationResult.Success;
        }

        var range = Maximum is int.MaxValue or long.MaxValue ? $"at least {Minimum}" : $"between {Minimum} and {Maximum}";
        return new ValidationResult($"{CollectorOptionKey.Of(validationContext)} must be {range}, not {number}.");
    }
}

/// <summary>A duration longer than zero; the message names the configuration key and the value.</summary>
[AttributeUsage(AttributeTargets.Property)]
internal sealed class PositiveDurationAttribute : ValidationAttribute
{
    protected override ValidationResult? IsValid(object? value, ValidationContext validationContext) =>
        value is TimeSpan duration && duration > TimeSpan.Zero
            ? ValidationResult.Success
            : new ValidationResult($"{CollectorOptionKey.Of(validationContext)} must be positive, not {value}.");
}

/// <summary>A duration of zero or more; the message names the configuration key and the value.</summary>
[AttributeUsage(AttributeTargets.Property)]
internal sealed class NotNegativeDurationAttribute : ValidationAttribute
{
    protected override ValidationResult? IsValid(object? value, ValidationContext validationContext) =>
        value is TimeSpan duration && duration >= TimeSpan.Zero
            ? ValidationResult.Success
            : new ValidationResult($"{CollectorOptionKey.Of(validationContext)} must not be negative, not {value}.");
}
