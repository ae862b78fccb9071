using Xunit.Abstractions;
using Xunit.Sdk;

[assembly: TestFramework("Jaeger.Storage.Elasticsearch.Tests.ClusterGatedTestFramework", "Jaeger.Storage.Elasticsearch.Tests")]

namespace Jaeger.Storage.Elasticsearch.Tests;

/// <summary>A fact that needs the real cluster named by an environment variable; skipped, with the reason, without it.</summary>
public sealed class ClusterFactAttribute : FactAttribute
{
    public ClusterFactAttribute(string variable)
    {
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable(variable)))
        {
            Skip = ClusterGate.Reason(variable);
        }
    }
}

/// <summary>Every test of the class (inherited ones too, such as the conformance kit's) needs the cluster named by the variable.</summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class RequiresClusterAttribute(string variable) : Attribute
{
    public string Variable { get; } = variable;
}

internal static class ClusterGate
{
    public static string Reason(string variable) => $"{variable} is not set: no real cluster to test against (see Jaeger.Storage.Elasticsearch/README.md)";
}

/// <summary>
/// xunit's framework, with one change at discovery: the tests of a class marked <see cref="RequiresClusterAttribute"/>
/// are reported as skipped, with the variable as the reason, when the variable is unset. (The conformance kit's cases
/// are inherited <c>[Fact]</c>s, so an attribute of ours cannot mark them one by one.)
/// </summary>
public sealed class ClusterGatedTestFramework(IMessageSink messageSink) : XunitTestFramework(messageSink)
{
    protected override ITestFrameworkDiscoverer CreateDiscoverer(IAssemblyInfo assemblyInfo) =>
        new Discoverer(assemblyInfo, SourceInformationProvider, DiagnosticMessageSink);

    private sealed class Discoverer(IAssemblyInfo assemblyInfo, ISourceInformationProvider sourceProvider, IMessageSink diagnosticMessageSink)
        : XunitTestFrameworkDiscoverer(assemblyInfo, sourceProvider, diagnosticMessageSink)
    {
        protected override bool FindTestsForType(ITestClass testClass, bool includeSourceInformation, IMessageBus messageBus, ITestFrameworkDiscoveryOptions discoveryOptions)
        {
            var gate = testClass.Class.GetCustomAttributes(typeof(RequiresClusterAttribute)).FirstOrDefault();
            var variable = gate?.GetConstructorArguments().FirstOrDefault() as string;
            if (variable is null || !string.IsNullOrEmpty(Environment.GetEnvironmentVariable(variable)))
            {
                return base.FindTestsForType(testClass, includeSourceInformation, messageBus, discoveryOptions);
            }

            return base.FindTestsForType(testClass, includeSourceInformation, new SkippingBus(messageBus, ClusterGate.Reason(variable), DiagnosticMessageSink, discoveryOptions), discoveryOptions);
        }
    }

    private sealed class SkippingBus(IMessageBus inner, string reason, IMessageSink diagnostics, ITestFrameworkDiscoveryOptions options) : IMessageBus
    {
        public bool QueueMessage(IMessageSinkMessage message)
        {
            if (message is ITestCaseDiscoveryMessage { TestCase: IXunitTestCase testCase })
            {
                var skipped = new XunitSkippedDataRowTestCase(diagnostics, options.MethodDisplayOrDefault(), options.MethodDisplayOptionsOrDefault(), testCase.TestMethod, reason);
                return inner.QueueMessage(new TestCaseDiscoveryMessage(skipped));
            }

            return inner.QueueMessage(message);
        }

        public void Dispose()
        {
        }
    }
}
