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
