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
