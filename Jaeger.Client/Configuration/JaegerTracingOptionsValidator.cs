using Jaeger.Client.Propagation;
using Jaeger.Client.Sampling;
using Jaeger.Client.Senders;
using Jaeger.Configuration;
using Microsoft.Extensions.Options;

namespace Jaeger.Client.Configuration;

/// <summary>
/// Checks the attributes on <see cref="JaegerTracingOptions"/> with the source-generated
/// <see cref="JaegerTracingOptionsAttributes"/>; a disabled tracer records nothing and opens nothing, so it passes.
/// </summary>
internal sealed class JaegerTracingOptionsValidator : IValidateOptions<JaegerTracingOptions>
{
    private readonly JaegerTracingOptionsAttributes _attributes = new();

    // The client reads its options itself (JAEGER_* and Jaeger:Client), not through BindSection, so it names its section.
    static JaegerTracingOptionsValidator() => OptionKeys.Register(typeof(JaegerTracingOptions), null, JaegerTracingOptions.SectionName);

    public ValidateOptionsResult Validate(string? name, JaegerTracingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.Disabled ? ValidateOptionsResult.Success : _attributes.Validate(name, options);
    }
}

/// <summary>The source-generated check of the attributes on <see cref="JaegerTracingOptions"/>.</summary>
[OptionsValidator]
internal sealed partial class JaegerTracingOptionsAttributes : IValidateOptions<JaegerTracingOptions>
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
