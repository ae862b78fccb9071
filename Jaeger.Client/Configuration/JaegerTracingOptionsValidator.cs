using System.ComponentModel.DataAnnotations;
using System.Globalization;
using Jaeger.Client.Propagation;
using Jaeger.Client.Sampling;
using Jaeger.Client.Senders;
using Microsoft.Extensions.Options;

namespace Jaeger.Client.Configuration;

/// <summary>Checks the attributes on <see cref="JaegerTracingOptions"/> (source-generated); a disabled tracer passes.</summary>
[OptionsValidator]
internal sealed partial class JaegerTracingOptionsValidator : IValidateOptions<JaegerTracingOptions>
{
}

/// <summary>
/// Checks what attributes cannot express: values configuration could not parse, the service name, the sampler, the
/// propagation formats, URLs, the gRPC target and certificate files. A disabled tracer is only checked for parse errors.
/// </summary>
internal sealed class JaegerTracingOptionsRules : IValidateOptions<JaegerTracingOptions>
{
    private const string Section = JaegerTracingOptions.SectionName;

    public ValidateOptionsResult Validate(string? name, JaegerTracingOptions options)
    {
        var errors = Check(options);
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    public static List<string> Check(JaegerTracingOptions o)
    {
        var errors = new List<string>(o.ConfigurationErrors);
        if (o.Disabled)
        {
            return errors;
        }

        if (string.IsNullOrWhiteSpace(TracerFactory.ResolveServiceName(o)))
        {
            errors.Add($"{Section}:ServiceName (JAEGER_SERVICE_NAME) is required.");
        }

        switch (o.SamplerType.ToLowerInvariant())
        {
            case SamplerTypes.Const:
                break;
            case SamplerTypes.Probabilistic or SamplerTypes.Remote when o.SamplerParam is < 0 or > 1 || double.IsNaN(o.SamplerParam):
                errors.Add($"{Section}:SamplerParam (JAEGER_SAMPLER_PARAM) must be a probability between 0 and 1 for sampler type {o.SamplerType}, not {o.SamplerParam}.");
                break;
            case SamplerTypes.RateLimiting when o.SamplerParam < 0 || double.IsNaN(o.SamplerParam):
                errors.Add($"{Section}:SamplerParam (JAEGER_SAMPLER_PARAM) must not be negative for sampler type ratelimiting, not {o.SamplerParam}.");
                break;
            case SamplerTypes.Probabilistic or SamplerTypes.Remote or SamplerTypes.RateLimiting:
                break;
            default:
                errors.Add($"{Section}:SamplerType (JAEGER_SAMPLER_TYPE) must be one of const, probabilistic, ratelimiting, remote, not '{o.SamplerType}'.");
                break;
        }

        foreach (var format in o.Propagation.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!PropagationSet.Known.Contains(format.ToLowerInvariant()))
            {
                errors.Add($"{Section}:Propagation (JAEGER_PROPAGATION) formats must be jaeger, b3 or w3c, not '{format}'.");
            }
        }

        if (o.Endpoint is not null && !Uri.TryCreate(o.Endpoint, UriKind.Absolute, out _))
        {
            errors.Add($"{Section}:Endpoint (JAEGER_ENDPOINT) must be an absolute URL, not '{o.Endpoint}'.");
        }

        if (!Remote.EndpointPoller.TryParseEndpoint(o.BaggageRestrictionsEndpoint, out _, out var baggageEndpointError))
        {
            errors.Add($"{Section}:BaggageRestrictionsEndpoint {baggageEndpointError}.");
        }

        CheckGrpc(o, errors);
        return errors;
    }

    private static void CheckGrpc(JaegerTracingOptions o, List<string> errors)
    {
        if (!string.IsNullOrWhiteSpace(o.SenderFactory) && TracerFactory.ParseSenderFactory(o.SenderFactory) is null)
        {
            errors.Add($"{Section}:SenderFactory (JAEGER_SENDER_FACTORY) must be thrift or grpc, not '{o.SenderFactory}'.");
        }

        if (!string.IsNullOrWhiteSpace(o.GrpcTarget) && !GrpcSender.TryParseTarget(o.GrpcTarget, tls: false, out _, out var targetError))
        {
            errors.Add($"{Section}:GrpcTarget (JAEGER_GRPC_TARGET) {targetError}");
        }

        if (!string.IsNullOrWhiteSpace(o.GrpcClientKey) && string.IsNullOrWhiteSpace(o.GrpcClientChain))
        {
            errors.Add($"{Section}:GrpcClientKey (JAEGER_GRPC_CLIENT_KEY) is set without {Section}:GrpcClientChain (JAEGER_GRPC_CLIENT_CHAIN).");
        }

        if (!string.IsNullOrWhiteSpace(o.GrpcRootCertificate))
        {
            CheckPem($"{Section}:GrpcRootCertificate (JAEGER_GRPC_ROOT_CERTIFICATE)", o.GrpcRootCertificate, () => GrpcTls.Load(o.GrpcRootCertificate, null, null), errors);
        }

        if (!string.IsNullOrWhiteSpace(o.GrpcClientChain))
        {
            CheckPem($"{Section}:GrpcClientChain (JAEGER_GRPC_CLIENT_CHAIN) with {Section}:GrpcClientKey (JAEGER_GRPC_CLIENT_KEY)", o.GrpcClientChain,
                () => GrpcTls.Load(null, o.GrpcClientChain, o.GrpcClientKey), errors);
        }
    }

    private static void CheckPem(string setting, string path, Func<GrpcTls?> load, List<string> errors)
    {
        try
        {
            load()?.Dispose();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException or ArgumentException)
        {
            errors.Add($"{setting} '{path}' could not be loaded as PEM: {ex.Message}");
        }
    }
}

/// <summary>Checks options outside dependency injection the way the host does; every problem names its setting.</summary>
internal static class OptionsChecker
{
    private static readonly JaegerTracingOptionsValidator s_attributes = new();

    public static List<string> Check(JaegerTracingOptions options)
    {
        var errors = new List<string>();
        if (s_attributes.Validate(null, options).Failures is { } failures)
        {
            errors.AddRange(failures);
        }

        errors.AddRange(JaegerTracingOptionsRules.Check(options));
        return errors;
    }
}

/// <summary>The key of the option a validation context describes: <c>Jaeger:Client:MaxQueueSize (JAEGER_REPORTER_MAX_QUEUE_SIZE)</c>.</summary>
internal static class ClientOptionKey
{
    // The source generator names a member "<options type or name>.<path>" (JaegerTracingOptions.MaxQueueSize).
    public static string Of(ValidationContext context, string? environment)
    {
        var displayName = context.DisplayName;
        var dot = displayName.IndexOf('.', StringComparison.Ordinal);
        var path = dot < 0 ? displayName : displayName[(dot + 1)..];
        var key = JaegerTracingOptions.SectionName + ":" + path.Replace('.', ':');
        return environment is null ? key : $"{key} ({environment})";
    }

    // A disabled tracer records nothing and opens nothing, so its other settings are not checked (as before).
    public static bool IsDisabled(ValidationContext context) => context.ObjectInstance is JaegerTracingOptions { Disabled: true };
}

/// <summary>A whole number from <see cref="Minimum"/> to <see cref="Maximum"/>; the message names the key, the JAEGER_* setting and the value.</summary>
[AttributeUsage(AttributeTargets.Property)]
internal sealed class BetweenAttribute(long minimum, long maximum) : ValidationAttribute
{
    public long Minimum { get; } = minimum;

    public long Maximum { get; } = maximum;

    /// <summary>The Jaeger clients' environment variable for the setting, when there is one.</summary>
    public string? Environment { get; set; }

    protected override ValidationResult? IsValid(object? value, ValidationContext validationContext)
    {
        if (value is null || ClientOptionKey.IsDisabled(validationContext))
        {
            return ValidationResult.Success;
        }

        var number = Convert.ToInt64(value, CultureInfo.InvariantCulture);
        if (number >= Minimum && number <= Maximum)
        {
            return ValidationResult.Success;
        }

        var range = Maximum is int.MaxValue or long.MaxValue ? $"at least {Minimum}" : $"between {Minimum} and {Maximum}";
        return new ValidationResult($"{ClientOptionKey.Of(validationContext, Environment)} must be {range}, not {number}.");
    }
}

/// <summary>A duration longer than zero; the message names the key, the JAEGER_* setting and the value.</summary>
[AttributeUsage(AttributeTargets.Property)]
internal sealed class PositiveDurationAttribute : ValidationAttribute
{
    /// <summary>The Jaeger clients' environment variable for the setting, when there is one.</summary>
    public string? Environment { get; set; }

    protected override ValidationResult? IsValid(object? value, ValidationContext validationContext) =>
        ClientOptionKey.IsDisabled(validationContext) || (value is TimeSpan duration && duration > TimeSpan.Zero)
            ? ValidationResult.Success
            : new ValidationResult($"{ClientOptionKey.Of(validationContext, Environment)} must be positive, not {value}.");
}
