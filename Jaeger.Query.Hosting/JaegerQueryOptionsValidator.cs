using System.ComponentModel.DataAnnotations;
using System.Globalization;
using Jaeger.Hosting.Http;
using Microsoft.Extensions.Options;

namespace Jaeger.Query;

/// <summary>Checks the attributes on <see cref="JaegerQueryOptions"/> (source-generated).</summary>
[OptionsValidator]
internal sealed partial class JaegerQueryOptionsValidator : IValidateOptions<JaegerQueryOptions>
{
}

/// <summary>Checks what attributes cannot express: listen addresses, the base path and the limits against each other.</summary>
internal sealed class JaegerQueryOptionsRules : IValidateOptions<JaegerQueryOptions>
{
    private const string Section = JaegerQueryOptions.SectionName;

    public ValidateOptionsResult Validate(string? name, JaegerQueryOptions options)
    {
        var failures = new List<string>();
        if (!string.IsNullOrEmpty(options.HttpListenAddress) && !ListenAddress.TryParse(options.HttpListenAddress, out _, out var error))
        {
            failures.Add($"{Section}:{nameof(options.HttpListenAddress)}: {error}.");
        }

        if (!string.IsNullOrEmpty(options.GrpcListenAddress) && !ListenAddress.TryParse(options.GrpcListenAddress, out _, out error))
        {
            failures.Add($"{Section}:{nameof(options.GrpcListenAddress)}: {error}.");
        }

        if (!JaegerQueryOptions.IsValidBasePath(options.BasePath))
        {
            failures.Add($"{Section}:{nameof(options.BasePath)} must be \"/\" or start with \"/\" and not end with \"/\", not '{options.BasePath}'.");
        }

        if (options.DefaultLimit > options.MaxLimit)
        {
            failures.Add($"{Section}:{nameof(options.DefaultLimit)} must not exceed {Section}:{nameof(options.MaxLimit)} ({options.MaxLimit}), not {options.DefaultLimit}.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

/// <summary>The configuration key of the option a validation context describes: <c>Jaeger:Query:MaxLimit</c>.</summary>
internal static class QueryOptionKey
{
    // The source generator names a member "<options type or name>.<path>" (JaegerQueryOptions.MaxLimit).
    public static string Of(ValidationContext context) => JaegerQueryOptions.SectionName + ":" + KeyPath(context.DisplayName);

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
        return new ValidationResult($"{QueryOptionKey.Of(validationContext)} must be {range}, not {number}.");
    }
}

/// <summary>A duration longer than zero; the message names the configuration key and the value.</summary>
[AttributeUsage(AttributeTargets.Property)]
internal sealed class PositiveDurationAttribute : ValidationAttribute
{
    protected override ValidationResult? IsValid(object? value, ValidationContext validationContext) =>
        value is TimeSpan duration && duration > TimeSpan.Zero
            ? ValidationResult.Success
            : new ValidationResult($"{QueryOptionKey.Of(validationContext)} must be positive, not {value}.");
}

/// <summary>A duration of zero or more; the message names the configuration key and the value.</summary>
[AttributeUsage(AttributeTargets.Property)]
internal sealed class NotNegativeDurationAttribute : ValidationAttribute
{
    protected override ValidationResult? IsValid(object? value, ValidationContext validationContext) =>
        value is TimeSpan duration && duration >= TimeSpan.Zero
            ? ValidationResult.Success
            : new ValidationResult($"{QueryOptionKey.Of(validationContext)} must not be negative, not {value}.");
}
