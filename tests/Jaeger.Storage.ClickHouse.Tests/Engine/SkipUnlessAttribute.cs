using Xunit.Abstractions;
using Xunit.Sdk;

[assembly: TestFramework("Jaeger.Storage.ClickHouse.Tests.Engine.SkippingTestFramework", "Jaeger.Storage.ClickHouse.Tests")]

namespace Jaeger.Storage.ClickHouse.Tests.Engine;

/// <summary>
/// Skips every test of a class, inherited ones included (the conformance kit's facts), when a static string
/// property of <see cref="Type"/> names a reason (non-null); the run reports them as skipped with that reason.
/// </summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class SkipUnlessAttribute(Type type, string reasonProperty) : Attribute
{
    public Type Type { get; } = type;

    public string ReasonProperty { get; } = reasonProperty;

    public string? Reason => (string?)Type.GetProperty(ReasonProperty, System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)?.GetValue(null);
}

/// <summary>xunit's framework, with discovery that honours <see cref="SkipUnlessAttribute"/>.</summary>
public sealed class SkippingTestFramework(IMessageSink messageSink) : XunitTestFramework(messageSink)
{
    protected override ITestFrameworkDiscoverer CreateDiscoverer(IAssemblyInfo assemblyInfo) =>
        new SkippingDiscoverer(assemblyInfo, SourceInformationProvider, DiagnosticMessageSink);

    private sealed class SkippingDiscoverer(IAssemblyInfo assemblyInfo, ISourceInformationProvider sourceProvider, IMessageSink diagnosticMessageSink)
        : XunitTestFrameworkDiscoverer(assemblyInfo, sourceProvider, diagnosticMessageSink)
    {
        protected override bool FindTestsForMethod(ITestMethod testMethod, bool includeSourceInformation, IMessageBus messageBus, ITestFrameworkDiscoveryOptions discoveryOptions)
        {
            var skip = testMethod.TestClass.Class.GetCustomAttributes(typeof(SkipUnlessAttribute)).FirstOrDefault();
            var reason = skip is null ? null : ((SkipUnlessAttribute?)(skip as IReflectionAttributeInfo)?.Attribute)?.Reason;
            if (reason is null || testMethod.Method.GetCustomAttributes(typeof(FactAttribute)).FirstOrDefault() is null)
            {
                return base.FindTestsForMethod(testMethod, includeSourceInformation, messageBus, discoveryOptions);
            }

            var testCase = new SkippedTestCase(DiagnosticMessageSink, discoveryOptions.MethodDisplayOrDefault(), discoveryOptions.MethodDisplayOptionsOrDefault(), testMethod, reason);
            return ReportDiscoveredTestCase(testCase, includeSourceInformation, messageBus);
        }
    }
}

/// <summary>A test case reported as skipped with a reason decided at discovery.</summary>
public sealed class SkippedTestCase : XunitTestCase
{
    private string _reason = string.Empty;

    [Obsolete("Called by the de-serializer; should only be called by deriving classes for de-serialization purposes")]
    public SkippedTestCase()
    {
    }

    public SkippedTestCase(IMessageSink diagnosticMessageSink, TestMethodDisplay defaultMethodDisplay, TestMethodDisplayOptions defaultMethodDisplayOptions, ITestMethod testMethod, string reason)
        : base(diagnosticMessageSink, defaultMethodDisplay, defaultMethodDisplayOptions, testMethod)
    {
        _reason = reason;
        SkipReason = reason;
    }

    protected override string GetSkipReason(IAttributeInfo factAttribute) => _reason;

    public override void Serialize(IXunitSerializationInfo data)
    {
        base.Serialize(data);
        data.AddValue("SkipUnlessReason", _reason);
    }

    public override void Deserialize(IXunitSerializationInfo data)
    {
        base.Deserialize(data);
        _reason = data.GetValue<string>("SkipUnlessReason");
        SkipReason = _reason;
    }
}
