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

        if (options.Mcp.Enabled && string.IsNullOrEmpty(options.HttpListenAddress))
        {
            failures.Add($"{Section}:Mcp:Enabled needs {Section}:{nameof(options.HttpListenAddress)}: the MCP endpoint is served by the role's own HTTP listener.");
        }

        Ui.OfficialUi.Validate(options, failures);
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
