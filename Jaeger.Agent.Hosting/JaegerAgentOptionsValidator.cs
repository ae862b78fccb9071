using Jaeger.Agent.Hosting.Forwarding;
using Jaeger.Hosting.Http;
using Microsoft.Extensions.Options;

namespace Jaeger.Agent.Hosting;

/// <summary>Checks the attributes on <see cref="JaegerAgentOptions"/> and its nested servers (source-generated).</summary>
[OptionsValidator]
internal sealed partial class JaegerAgentOptionsValidator : IValidateOptions<JaegerAgentOptions>
{
}

/// <summary>Checks what attributes cannot express: addresses, collectors, tags, restrictions and cross-field rules.</summary>
internal sealed class JaegerAgentOptionsRules : IValidateOptions<JaegerAgentOptions>
{
    private const string Section = JaegerAgentOptions.SectionName;

    public ValidateOptionsResult Validate(string? name, JaegerAgentOptions options)
    {
        var errors = new List<string>();
        CheckUdp(errors, nameof(options.Compact), options.Compact);
        CheckUdp(errors, nameof(options.Binary), options.Binary);
        if (!string.IsNullOrWhiteSpace(options.HttpListenAddress) && !ListenAddress.TryParse(options.HttpListenAddress, out _, out var httpError))
        {
            errors.Add($"{Section}:{nameof(options.HttpListenAddress)}: {httpError}.");
        }

        foreach (var (key, maxValueLength) in options.BaggageRestrictions)
        {
            if (string.IsNullOrEmpty(key) || maxValueLength < 0)
            {
                errors.Add($"{Section}:{nameof(options.BaggageRestrictions)}:{key} needs a non-empty key and a length of zero or more, not {maxValueLength}.");
            }
        }

        if (!Enum.IsDefined(options.Protocol))
        {
            errors.Add($"{Section}:{nameof(options.Protocol)} must be Grpc, Http or InProcess, not {options.Protocol}.");
        }

        var index = 0;
        foreach (var collector in options.Collectors)
        {
            var key = $"{Section}:{nameof(options.Collectors)}:{index++}";
            try
            {
                var uri = JaegerAgentHostedService.CollectorAddress(collector, 14250);
                if (uri.Scheme is not ("http" or "https"))
                {
                    errors.Add($"{key} must be host:port or an http or https address, not '{collector}'.");
                }
            }
            catch (UriFormatException)
            {
                errors.Add($"{key} must be host:port or an http or https address, not '{collector}'.");
            }
        }

        if (!AgentTags.TryParse(options.AgentTags, static _ => null, out _, out var tagError))
        {
            errors.Add($"{Section}:{nameof(options.AgentTags)}: {tagError}.");
        }

        if (options.MaxBackoff < options.InitialBackoff)
        {
            errors.Add($"{Section}:{nameof(options.MaxBackoff)} must not be shorter than {Section}:{nameof(options.InitialBackoff)} ({options.InitialBackoff}), not {options.MaxBackoff}.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static void CheckUdp(List<string> errors, string server, UdpServerOptions? udp)
    {
        if (udp is null)
        {
            errors.Add($"{Section}:{server} must be set (use {Section}:{server}:Enabled = false to turn the server off).");
            return;
        }

        if (udp.Enabled && !ListenAddress.TryParse(udp.ListenAddress, out _, out var error))
        {
            errors.Add($"{Section}:{server}:{nameof(udp.ListenAddress)}: {error}.");
        }
    }
}
