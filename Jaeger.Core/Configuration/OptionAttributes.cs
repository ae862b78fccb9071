using System.ComponentModel.DataAnnotations;
using System.Globalization;

namespace Jaeger.Configuration;

/// <summary>
/// A whole number from <see cref="Minimum"/> to <see cref="Maximum"/> (null passes). The message names the
/// configuration key (<see cref="OptionKeys"/>) and the value:
/// <c>Jaeger:Collector:QueueSize must be between 1 and 10000000, not 0.</c>, or <c>must be at least 1</c> when the
/// maximum is <see cref="int.MaxValue"/> or <see cref="long.MaxValue"/>.
/// </summary>
/// <param name="minimum">The smallest value allowed.</param>
/// <param name="maximum">The largest value allowed.</param>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
public sealed class BetweenAttribute(long minimum, long maximum) : ValidationAttribute
{
    /// <summary>The smallest value allowed.</summary>
    public long Minimum { get; } = minimum;

    /// <summary>The largest value allowed.</summary>
    public long Maximum { get; } = maximum;

    /// <summary>An environment variable that also sets the option, named after the key: <c>(JAEGER_AGENT_PORT)</c>.</summary>
    public string? Environment { get; set; }

    /// <inheritdoc/>
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

        var range = Maximum is int.MaxValue or long.MaxValue
            ? string.Create(CultureInfo.InvariantCulture, $"at least {Minimum}")
            : string.Create(CultureInfo.InvariantCulture, $"between {Minimum} and {Maximum}");
        return OptionMessage.Fail(validationContext, Environment, string.Create(CultureInfo.InvariantCulture, $"must be {range}, not {number}."));
    }
}

/// <summary>A duration longer than zero; the message names the configuration key and the value: <c>... must be positive, not 00:00:00.</c></summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
public sealed class PositiveDurationAttribute : ValidationAttribute
{
    /// <summary>An environment variable that also sets the option, named after the key: <c>(JAEGER_REPORTER_FLUSH_INTERVAL)</c>.</summary>
    public string? Environment { get; set; }

    /// <inheritdoc/>
    protected override ValidationResult? IsValid(object? value, ValidationContext validationContext) =>
        value is TimeSpan duration && duration > TimeSpan.Zero
            ? ValidationResult.Success
            : OptionMessage.Fail(validationContext, Environment, string.Create(CultureInfo.InvariantCulture, $"must be positive, not {value}."));
}

/// <summary>A duration of zero or more; the message names the configuration key and the value: <c>... must not be negative, not -00:00:01.</c></summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
public sealed class NotNegativeDurationAttribute : ValidationAttribute
{
    /// <summary>An environment variable that also sets the option, named after the key.</summary>
    public string? Environment { get; set; }

    /// <inheritdoc/>
    protected override ValidationResult? IsValid(object? value, ValidationContext validationContext) =>
        value is TimeSpan duration && duration >= TimeSpan.Zero
            ? ValidationResult.Success
            : OptionMessage.Fail(validationContext, Environment, string.Create(CultureInfo.InvariantCulture, $"must not be negative, not {value}."));
}

/// <summary>
/// A duration from <see cref="Minimum"/> to <see cref="Maximum"/>, both written as <see cref="TimeSpan"/> in its
/// invariant form (<c>"00:01:00"</c>); the message names the configuration key and the value:
/// <c>Jaeger:Storage:WriteRetry:InitialBackoff must be between 00:00:00 and 00:01:00, not 00:02:00.</c>
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
public sealed class DurationBetweenAttribute : ValidationAttribute
{
    /// <summary>Creates the attribute; throws <see cref="ArgumentException"/> when a bound is not a duration or the minimum exceeds the maximum.</summary>
    /// <param name="minimum">The shortest duration allowed (<c>"00:00:00"</c>).</param>
    /// <param name="maximum">The longest duration allowed (<c>"00:10:00"</c>).</param>
    public DurationBetweenAttribute(string minimum, string maximum)
    {
        Minimum = Parse(minimum, nameof(minimum));
        Maximum = Parse(maximum, nameof(maximum));
        if (Minimum > Maximum)
        {
            throw new ArgumentException($"The minimum {Minimum} is longer than the maximum {Maximum}.", nameof(minimum));
        }
    }

    /// <summary>The shortest duration allowed.</summary>
    public TimeSpan Minimum { get; }

    /// <summary>The longest duration allowed.</summary>
    public TimeSpan Maximum { get; }

    /// <summary>An environment variable that also sets the option, named after the key.</summary>
    public string? Environment { get; set; }

    /// <inheritdoc/>
    protected override ValidationResult? IsValid(object? value, ValidationContext validationContext) =>
        value is TimeSpan duration && duration >= Minimum && duration <= Maximum
            ? ValidationResult.Success
            : OptionMessage.Fail(validationContext, Environment, string.Create(CultureInfo.InvariantCulture, $"must be between {Minimum} and {Maximum}, not {value}."));

    private static TimeSpan Parse(string value, string parameter) =>
        TimeSpan.TryParse(value, CultureInfo.InvariantCulture, out var duration)
            ? duration
            : throw new ArgumentException($"'{value}' is not a duration such as 00:01:00.", parameter);
}

/// <summary>The message of a failed option: the key, the environment variable in parentheses, then what is wrong.</summary>
internal static class OptionMessage
{
    public static ValidationResult Fail(ValidationContext context, string? environment, string problem)
    {
        var key = OptionKeys.Of(context);
        // No member names: the options validator would put them in front of the message.
        return new ValidationResult(environment is null ? $"{key} {problem}" : $"{key} ({environment}) {problem}");
    }
}
