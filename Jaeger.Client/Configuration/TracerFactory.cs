using System.Diagnostics.Metrics;
using Jaeger.Client.Configuration;
using Jaeger.Client.Diagnostics;
using Jaeger.Client.Propagation;
using Jaeger.Client.Reporting;
using Jaeger.Client.Sampling;
using Jaeger.Client.Senders;
using Jaeger.Model;
using Jaeger.Storage;
using Jaeger.Thrift;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Jaeger.Client.Configuration
{
    /// <summary>Checks options and explains every problem by its setting name.</summary>
    internal static class OptionsChecker
    {
        public static List<string> Check(JaegerTracingOptions o)
        {
            var errors = new List<string>(o.ConfigurationErrors);
            if (o.Disabled)
            {
                return errors;
            }

            if (string.IsNullOrWhiteSpace(TracerFactory.ResolveServiceName(o)))
            {
                errors.Add("ServiceName (JAEGER_SERVICE_NAME) is required.");
            }

            if (o.MaxQueueSize < 1)
            {
                errors.Add($"MaxQueueSize (JAEGER_REPORTER_MAX_QUEUE_SIZE) must be at least 1, not {o.MaxQueueSize}.");
            }

            if (o.FlushInterval <= TimeSpan.Zero)
            {
                errors.Add($"FlushInterval (JAEGER_REPORTER_FLUSH_INTERVAL) must be positive, not {o.FlushInterval}.");
            }

            if (o.AttemptReconnectInterval <= TimeSpan.Zero)
            {
                errors.Add($"AttemptReconnectInterval (JAEGER_REPORTER_ATTEMPT_RECONNECT_INTERVAL) must be positive, not {o.AttemptReconnectInterval}.");
            }

            if (o.SamplerRefreshInterval <= TimeSpan.Zero)
            {
                errors.Add($"SamplerRefreshInterval (JAEGER_SAMPLER_REFRESH_INTERVAL) must be positive, not {o.SamplerRefreshInterval}.");
            }

            if (o.SamplerMaxOperations < 1)
            {
                errors.Add($"SamplerMaxOperations (JAEGER_SAMPLER_MAX_OPERATIONS) must be at least 1, not {o.SamplerMaxOperations}.");
            }

            if (o.MaxPacketSize is < 512 or > 65_507)
            {
                errors.Add($"MaxPacketSize must be between 512 and 65507, not {o.MaxPacketSize}.");
            }

            if (o.MaxRequestBytes < 1024)
            {
                errors.Add($"MaxRequestBytes must be at least 1024, not {o.MaxRequestBytes}.");
            }

            if (o.AgentPort is < 1 or > 65535)
            {
                errors.Add($"AgentPort (JAEGER_AGENT_PORT) must be between 1 and 65535, not {o.AgentPort}.");
            }

            switch (o.SamplerType.ToLowerInvariant())
            {
                case SamplerTypes.Const:
                    break;
                case SamplerTypes.Probabilistic or SamplerTypes.Remote when o.SamplerParam is < 0 or > 1 || double.IsNaN(o.SamplerParam):
                    errors.Add($"SamplerParam (JAEGER_SAMPLER_PARAM) must be a probability between 0 and 1 for sampler type {o.SamplerType}, not {o.SamplerParam}.");
                    break;
                case SamplerTypes.RateLimiting when o.SamplerParam < 0 || double.IsNaN(o.SamplerParam):
                    errors.Add($"SamplerParam (JAEGER_SAMPLER_PARAM) must not be negative for sampler type ratelimiting, not {o.SamplerParam}.");
                    break;
                case SamplerTypes.Probabilistic or SamplerTypes.Remote or SamplerTypes.RateLimiting:
                    break;
                default:
                    errors.Add($"SamplerType (JAEGER_SAMPLER_TYPE) '{o.SamplerType}' is not one of const, probabilistic, ratelimiting, remote.");
                    break;
            }

            foreach (var name in o.Propagation.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                if (!PropagationSet.Known.Contains(name.ToLowerInvariant()))
                {
                    errors.Add($"Propagation (JAEGER_PROPAGATION) '{name}' is not one of jaeger, b3, w3c.");
                }
            }

            if (o.Endpoint is not null && !Uri.TryCreate(o.Endpoint, UriKind.Absolute, out _))
            {
                errors.Add($"Endpoint (JAEGER_ENDPOINT) '{o.Endpoint}' is not an absolute URL.");
            }

            if (!Remote.EndpointPoller.TryParseEndpoint(o.BaggageRestrictionsEndpoint, out _, out var baggageEndpointError))
            {
                errors.Add($"BaggageRestrictionsEndpoint {baggageEndpointError}.");
            }

            if (o.BaggageRestrictionsRefreshInterval <= TimeSpan.Zero)
            {
                errors.Add($"BaggageRestrictionsRefreshInterval must be positive, not {o.BaggageRestrictionsRefreshInterval}.");
            }

            CheckGrpc(o, errors);
            return errors;
        }

        private static void CheckGrpc(JaegerTracingOptions o, List<string> errors)
        {
            if (!string.IsNullOrWhiteSpace(o.SenderFactory) && TracerFactory.ParseSenderFactory(o.SenderFactory) is null)
            {
                errors.Add($"SenderFactory (JAEGER_SENDER_FACTORY) '{o.SenderFactory}' is not one of thrift, grpc.");
            }

            if (!string.IsNullOrWhiteSpace(o.GrpcTarget) && !GrpcSender.TryParseTarget(o.GrpcTarget, tls: false, out _, out var targetError))
            {
                errors.Add($"GrpcTarget (JAEGER_GRPC_TARGET) {targetError}");
            }

            if (!string.IsNullOrWhiteSpace(o.GrpcClientKey) && string.IsNullOrWhiteSpace(o.GrpcClientChain))
            {
                errors.Add("GrpcClientKey (JAEGER_GRPC_CLIENT_KEY) is set without GrpcClientChain (JAEGER_GRPC_CLIENT_CHAIN).");
            }

            if (!string.IsNullOrWhiteSpace(o.GrpcRootCertificate))
            {
                CheckPem("GrpcRootCertificate (JAEGER_GRPC_ROOT_CERTIFICATE)", o.GrpcRootCertificate, () => GrpcTls.Load(o.GrpcRootCertificate, null, null), errors);
            }

            if (!string.IsNullOrWhiteSpace(o.GrpcClientChain))
            {
                CheckPem("GrpcClientChain (JAEGER_GRPC_CLIENT_CHAIN) with GrpcClientKey (JAEGER_GRPC_CLIENT_KEY)", o.GrpcClientChain,
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

    /// <summary>Builds a tracer from options.</summary>
    internal static class TracerFactory
    {
        public static string? ResolveServiceName(JaegerTracingOptions options) =>
            !string.IsNullOrWhiteSpace(options.ServiceName) ? options.ServiceName : System.Reflection.Assembly.GetEntryAssembly()?.GetName().Name;

        public static JaegerTracer Create(JaegerTracingOptions options, ILoggerFactory? loggerFactory, IMeterFactory? meterFactory, TimeProvider? time, ISpanSink? sink)
        {
            var errors = OptionsChecker.Check(options);
            if (errors.Count > 0)
            {
                throw new ArgumentException("Invalid Jaeger client options: " + string.Join(" ", errors), nameof(options));
            }

            loggerFactory ??= NullLoggerFactory.Instance;
            time ??= TimeProvider.System;
            var metrics = new ClientMetrics(meterFactory);
            var names = options.Propagation.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            var serviceName = ResolveServiceName(options) ?? "unknown-service";
            var logger = loggerFactory.CreateLogger("Jaeger.Client");

            ISampler sampler;
            IReporter reporter;
            if (options.Disabled)
            {
                sampler = new ConstSampler(false);
                reporter = NoopReporter.Instance;
            }
            else
            {
                sampler = CreateSampler(options, serviceName, time, metrics, logger);
                reporter = options.ReporterOverride ?? CreateRemoteReporter(options, sink, time, metrics, logger);
                if (options.LogSpans)
                {
                    reporter = new CompositeReporter([reporter, new LoggingReporter(loggerFactory.CreateLogger("Jaeger.Client.LoggingReporter"))]);
                }
            }

            return new JaegerTracer(new TracerSettings
            {
                ServiceName = serviceName,
                Sampler = sampler,
                Reporter = reporter,
                Metrics = metrics,
                TimeProvider = time,
                TraceId128Bit = options.TraceId128Bit,
                Tags = [.. options.Tags.Select(t => KeyValue.String(t.Key, t.Value))],
                MaxBaggageValueLength = options.MaxBaggageValueLength,
                BaggageRestrictions = options.BaggageRestrictions && !options.Disabled
                    ? new Restrictions.RemoteBaggageRestrictions(serviceName, options.BaggageRestrictionsEndpoint, options.BaggageRestrictionsRefreshInterval,
                        options.MaxBaggageValueLength, options.DenyBaggageOnInitializationFailure, time, metrics, logger)
                    : null,
                PoolUnsampledSpans = options.PoolUnsampledSpans,
                RpcMetrics = options.RpcMetrics,
                TextMapPropagator = PropagationSet.Create(names, http: false, metrics),
                HttpHeadersPropagator = PropagationSet.Create(names, http: true, metrics),
                BinaryPropagator = new BinaryPropagator(metrics),
            });
        }

        private static ISampler CreateSampler(JaegerTracingOptions o, string serviceName, TimeProvider time, ClientMetrics metrics, ILogger logger) =>
            o.SamplerType.ToLowerInvariant() switch
            {
                SamplerTypes.Const => new ConstSampler(o.SamplerParam != 0),
                SamplerTypes.Probabilistic => new ProbabilisticSampler(o.SamplerParam),
                SamplerTypes.RateLimiting => new RateLimitingSampler(o.SamplerParam, time),
                _ => new RemoteControlledSampler(serviceName, o.SamplingEndpoint, new ProbabilisticSampler(o.SamplerParam), o.SamplerRefreshInterval,
                    o.SamplerMaxOperations, time, metrics, logger),
            };

        /// <summary>The sender rule: JAEGER_SENDER_FACTORY when set, else gRPC when JAEGER_GRPC_TARGET is set and JAEGER_ENDPOINT is not.</summary>
        public static bool UsesGrpc(JaegerTracingOptions o) => string.IsNullOrWhiteSpace(o.SenderFactory)
            ? !string.IsNullOrWhiteSpace(o.GrpcTarget) && string.IsNullOrWhiteSpace(o.Endpoint)
            : ParseSenderFactory(o.SenderFactory) == "grpc";

        /// <summary>"thrift" or "grpc" (any case), else null.</summary>
        public static string? ParseSenderFactory(string value) => value.Trim().ToLowerInvariant() switch
        {
            "thrift" => "thrift",
            "grpc" => "grpc",
            _ => null,
        };

        private static RemoteReporter CreateRemoteReporter(JaegerTracingOptions o, ISpanSink? sink, TimeProvider time, ClientMetrics metrics, ILogger logger)
        {
            var stats = new SenderStats();
            ISender sender;
            if (o.SendInProcess)
            {
                sender = new InProcessSender(sink ?? throw new InvalidOperationException(
                    "SendInProcess is set but no Jaeger.Storage.ISpanSink is registered (add a collector to this host)."));
            }
            else if (UsesGrpc(o))
            {
                var target = string.IsNullOrWhiteSpace(o.GrpcTarget) ? GrpcSender.DefaultTarget : o.GrpcTarget;
                sender = new GrpcSender(target, GrpcTls.Load(o.GrpcRootCertificate, o.GrpcClientChain, o.GrpcClientKey), o.MaxRequestBytes, stats);
            }
            else if (!string.IsNullOrWhiteSpace(o.Endpoint))
            {
                sender = new HttpSender(o.Endpoint, o.AuthToken, o.User, o.Password, o.MaxRequestBytes, stats);
            }
            else
            {
                var protocol = o.AgentBinaryProtocol ? ThriftProtocol.Binary : ThriftProtocol.Compact;
                sender = new UdpSender(o.AgentHost, o.AgentPort ?? (o.AgentBinaryProtocol ? 6832 : 6831), protocol, o.MaxPacketSize, stats,
                    o.DisableAttemptReconnecting ? null : o.AttemptReconnectInterval, time);
            }

            return new RemoteReporter(sender, o.MaxQueueSize, o.FlushInterval, time, metrics, stats, logger);
        }
    }
}

namespace Jaeger.Client
{
    /// <summary>Creates Jaeger tracers without dependency injection.</summary>
    public static class JaegerTracerFactory
    {
        /// <summary>Builds a tracer from options (see <see cref="JaegerTracingOptions"/> for the defaults). Throws <see cref="ArgumentException"/> naming every invalid setting.</summary>
        public static JaegerTracer Create(JaegerTracingOptions options, ILoggerFactory? loggerFactory = null, IMeterFactory? meterFactory = null, TimeProvider? timeProvider = null)
        {
            ArgumentNullException.ThrowIfNull(options);
            return TracerFactory.Create(options, loggerFactory, meterFactory, timeProvider, sink: null);
        }

        /// <summary>Options read from configuration keys named as the Jaeger clients' environment variables (JAEGER_*) and from section Jaeger:Client.</summary>
        public static JaegerTracingOptions OptionsFrom(Microsoft.Extensions.Configuration.IConfiguration configuration)
        {
            ArgumentNullException.ThrowIfNull(configuration);
            var options = new JaegerTracingOptions();
            JaegerConfiguration.Apply(configuration, options);
            return options;
        }
    }
}
