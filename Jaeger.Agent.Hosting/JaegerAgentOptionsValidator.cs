using Jaeger.Agent.Hosting.Forwarding;
using Jaeger.Hosting.Http;
using Microsoft.Extensions.Options;

namespace Jaeger.Agent.Hosting;

/// <summary>Checks the agent options at start; every message names the option.</summary>
internal sealed class JaegerAgentOptionsValidator : IValidateOptions<JaegerAgentOptions>
{
    public ValidateOptionsResult Validate(string? name, JaegerAgentOptions options)
    {
        var errors = new List<string>();
        ValidateUdp(errors, "Compact", options.Compact);
        ValidateUdp(errors, "Binary", options.Binary);
        if (!string.IsNullOrWhiteSpace(options.HttpListenAddress) && !ListenAddress.TryParse(options.HttpListenAddress, out _, out var httpError))
        {
            errors.Add($"JaegerAgentOptions.HttpListenAddress: {httpError}.");
        }

        foreach (var (key, maxValueLength) in options.BaggageRestrictions)
        {
            if (string.IsNullOrEmpty(key) || maxValueLength < 0)
            {
                errors.Add($"JaegerAgentOptions.BaggageRestrictions: '{key}' = {maxValueLength} needs a non-empty key and a length of zero or more.");
            }
        }

        if (!Enum.IsDefined(options.Protocol))
        {
            errors.Add($"JaegerAgentOptions.Protocol: {options.Protocol} is not Grpc, Http or InProcess.");
        }

        foreach (var collector in options.Collectors)
        {
            try
            {
                var uri = JaegerAgentHostedService.CollectorAddress(collector, 14250);
                if (uri.Scheme is not ("http" or "https"))
                {
                    errors.Add($"JaegerAgentOptions.Collectors: '{collector}' must be an http or https address.");
                }
            }
            catch (UriFormatException)
            {
                errors.Add($"JaegerAgentOptions.Collectors: '{collector}' is not host:port or an http address.");
            }
        }

        if (!AgentTags.TryParse(options.AgentTags, static _ => null, out _, out var tagError))
        {
            errors.Add($"JaegerAgentOptions.AgentTags: {tagError}.");
        }

        Positive(errors, nameof(options.MaxRetries), options.MaxRetries, allowZero: true);
        Positive(errors, nameof(options.MaxBufferedBatches), options.MaxBufferedBatches);
        Positive(errors, nameof(options.MaxBufferedSpans), options.MaxBufferedSpans);
        Positive(errors, nameof(options.ForwardConcurrency), options.ForwardConcurrency);
        Positive(errors, nameof(options.MaxCachedServices), options.MaxCachedServices);
        Positive(errors, nameof(options.MaxTrackedClients), options.MaxTrackedClients);
        if (options.InitialBackoff < TimeSpan.Zero || options.MaxBackoff < options.InitialBackoff)
        {
            errors.Add("JaegerAgentOptions.InitialBackoff/MaxBackoff: need 0 <= InitialBackoff <= MaxBackoff.");
        }

        if (options.RequestTimeout <= TimeSpan.Zero)
        {
            errors.Add("JaegerAgentOptions.RequestTimeout: must be positive.");
        }

        if (options.SamplingCacheTtl < TimeSpan.Zero || options.ClientExpiry <= TimeSpan.Zero)
        {
            errors.Add("JaegerAgentOptions.SamplingCacheTtl/ClientExpiry: must not be negative (ClientExpiry positive).");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static void ValidateUdp(List<string> errors, string name, UdpServerOptions? udp)
    {
        if (udp is null)
        {
            errors.Add($"JaegerAgentOptions.{name}: must be set (use Enabled = false to turn the server off).");
            return;
        }

        if (!udp.Enabled)
        {
            return;
        }

        if (!ListenAddress.TryParse(udp.ListenAddress, out _, out var error))
        {
            errors.Add($"JaegerAgentOptions.{name}.ListenAddress: {error}.");
        }

        if (udp.MaxPacketSize is < 1 or > 65_507)
        {
            errors.Add($"JaegerAgentOptions.{name}.MaxPacketSize: {udp.MaxPacketSize} is not between 1 and 65507 (the largest UDP payload).");
        }

        Positive(errors, name + ".QueueSize", udp.QueueSize);
        Positive(errors, name + ".Workers", udp.Workers);
        Positive(errors, name + ".SocketReceiveBufferSize", udp.SocketReceiveBufferSize, allowZero: true);
    }

    private static void Positive(List<string> errors, string name, long value, bool allowZero = false)
    {
        if (value < 0 || (value == 0 && !allowZero))
        {
            errors.Add($"JaegerAgentOptions.{name}: {value} must be {(allowZero ? "zero or more" : "positive")}.");
        }
    }
}
