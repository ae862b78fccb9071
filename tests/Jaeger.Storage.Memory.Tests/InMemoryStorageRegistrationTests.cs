using Jaeger.Model;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Jaeger.Storage.Memory.Tests;

public sealed class InMemoryStorageRegistrationTests
{
    [Fact]
    public async Task Every_storage_interface_resolves_to_one_store_even_when_added_twice()
    {
        var services = new ServiceCollection();
        services.AddJaegerInMemoryStorage();
        services.AddJaegerInMemoryStorage();
        using var provider = services.BuildServiceProvider();

        var store = provider.GetRequiredService<InMemorySpanStore>();

        // The writer is the storage builder's (it retries and counts failures); what it writes lands in the store.
        await provider.GetRequiredService<ISpanWriter>().WriteSpansAsync([new Span { TraceId = new TraceId(0, 7), SpanId = new SpanId(1), OperationName = "op", Process = new Process("svc") }]);
        Assert.Equal(1, store.TraceCount);
        Assert.Same(store, provider.GetRequiredService<ISpanReader>());
        Assert.Same(store, provider.GetRequiredService<ISamplingStore>());
        Assert.Same(store, provider.GetRequiredService<ILeaseStore>());
        Assert.Same(store, provider.GetRequiredService<IStorageMaintenance>());
        Assert.Same(store, provider.GetRequiredService<IDependencyReader>());
        Assert.Same(store, provider.GetRequiredService<IDependencyWriter>());
        Assert.Single(services, d => d.ServiceType == typeof(InMemorySpanStore));
        Assert.Single(services, d => d.ServiceType == typeof(ISpanWriter));
        Assert.Single(services, d => d.ServiceType == typeof(ISpanReader));
    }

    [Fact]
    public async Task A_second_call_configures_the_same_store_before_it_is_built()
    {
        var services = new ServiceCollection();
        services.AddJaegerInMemoryStorage(o => o.MaxTraces = 10);
        services.AddJaegerInMemoryStorage(o => o.MaxTraces += 1);
        using var provider = services.BuildServiceProvider();
        var writer = provider.GetRequiredService<ISpanWriter>();

        for (var i = 1; i <= 20; i++)
        {
            await writer.WriteSpansAsync([new Span { TraceId = new TraceId(0, (ulong)i), SpanId = new SpanId(1), OperationName = "op", Process = new Process("svc") }]);
        }

        Assert.Equal(11, provider.GetRequiredService<InMemorySpanStore>().TraceCount);
    }

    [Fact]
    public async Task An_invalid_option_throws_naming_it_and_keeps_the_earlier_configuration()
    {
        var services = new ServiceCollection();
        services.AddJaegerInMemoryStorage(o => o.MaxTraces = 5);
        var count = services.Count;

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => services.AddJaegerInMemoryStorage(o => o.MaxTraces = -3));

        Assert.Equal(nameof(InMemoryStorageOptions.MaxTraces), error.ParamName);
        Assert.Contains("MaxTraces", error.Message, StringComparison.Ordinal);
        Assert.Equal(count, services.Count);
        using var provider = services.BuildServiceProvider();
        var store = provider.GetRequiredService<InMemorySpanStore>();
        for (var i = 1; i <= 9; i++)
        {
            await store.WriteSpansAsync([new Span { TraceId = new TraceId(0, (ulong)i), Process = new Process("svc") }]);
        }

        Assert.Equal(5, store.TraceCount);
    }

    [Fact]
    public void An_invalid_first_call_registers_nothing()
    {
        var services = new ServiceCollection();

        Assert.Throws<ArgumentOutOfRangeException>(() => services.AddJaegerInMemoryStorage(o => o.MaxTraces = -1));

        Assert.Empty(services);
    }

    [Theory]
    [InlineData("Jaeger:Storage:Memory:MaxTraces")]
    [InlineData("Jaeger:Storage:Archive:Memory:MaxTraces")]
    public async Task A_negative_MaxTraces_in_configuration_stops_the_host_at_start_naming_its_key(string key)
    {
        var settings = new Dictionary<string, string?> { ["Jaeger:Storage:Type"] = "memory", ["Jaeger:Storage:Archive:Type"] = "memory", [key] = "-1" };
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddJaegerInMemoryStorage();
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Equal([$"{key} must be at least 0, not -1."], error.Failures);
    }

    [Fact]
    public void A_span_writer_registered_earlier_is_kept_beside_the_store()
    {
        using var other = new InMemorySpanStore();
        var services = new ServiceCollection();
        services.AddSingleton<ISpanWriter>(other);
        services.AddJaegerInMemoryStorage();
        using var provider = services.BuildServiceProvider();

        var writers = provider.GetServices<ISpanWriter>().ToArray();
        Assert.Equal(2, writers.Length);
        Assert.Same(other, writers[0]);
        Assert.NotSame(other, provider.GetRequiredService<ISpanReader>());
    }
}
