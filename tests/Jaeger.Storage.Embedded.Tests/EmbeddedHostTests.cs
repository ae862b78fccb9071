using Jaeger.Model;
using Jaeger.Storage.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Jaeger.Storage.Embedded.Tests;

public sealed class EmbeddedHostTests : IDisposable
{
    private readonly TempFolder _folder = new("host");

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task A_host_selecting_embedded_from_configuration_keeps_its_traces_across_a_restart()
    {
        var path = _folder.Sub("data");
        var id = new TraceId(0xA11, 1);
        using (var host = Build(new() { ["Jaeger:Storage:Type"] = "embedded", ["Jaeger:Storage:Embedded:Path"] = path }))
        {
            await host.StartAsync();
            var storage = host.Services.GetRequiredService<JaegerStorage>();
            Assert.Equal(["memory", "embedded"], storage.KnownTypes);
            var store = Assert.IsType<EmbeddedSpanStore>(storage.Primary[0].Writer);
            Assert.Equal(Path.GetFullPath(path), store.DataPath);

            await host.Services.GetRequiredService<ISpanWriter>().WriteSpansAsync(StoreFixtures.Trace(id, "restart-svc", DateTimeOffset.UtcNow.AddMinutes(-1), 4));
            var reader = host.Services.GetRequiredService<ISpanReader>();
            Assert.Equal(SearchCapabilities.All | SearchCapabilities.Filter, reader.Capabilities);
            Assert.Equal(4, (await reader.GetTraceAsync(id))!.Spans.Count);
            await host.StopAsync();
        }

        using (var host = Build(new() { ["Jaeger:Storage:Type"] = "embedded", ["Jaeger:Storage:Embedded:Path"] = path }))
        {
            await host.StartAsync();
            var reader = host.Services.GetRequiredService<ISpanReader>();
            Assert.Equal(4, (await reader.GetTraceAsync(id))!.Spans.Count);
            Assert.Equal([id], await reader.FindTraceIdsAsync(new TraceQueryParameters { ServiceName = "restart-svc" }));
            Assert.Equal(["restart-svc"], await reader.GetServicesAsync());
            await host.StopAsync();
        }
    }

    [Fact]
    public async Task Options_bind_from_configuration_and_the_archive_gets_its_own_folder()
    {
        var path = _folder.Sub("primary");
        var archivePath = _folder.Sub("archive");
        using var host = Build(new()
        {
            ["Jaeger:Storage:Type"] = "embedded",
            ["Jaeger:Storage:Embedded:Path"] = path,
            ["Jaeger:Storage:Embedded:Ttl"] = "12:00:00",
            ["Jaeger:Storage:Embedded:MaxDiskBytes"] = "1000000000",
            ["Jaeger:Storage:Embedded:BlockCacheBytes"] = "16777216",
            ["Jaeger:Storage:Embedded:SyncWrites"] = "true",
            ["Jaeger:Storage:Archive:Type"] = "embedded",
            ["Jaeger:Storage:Archive:Embedded:Path"] = archivePath,
        });
        await host.StartAsync();

        var options = host.Services.GetRequiredService<IOptionsMonitor<EmbeddedStorageOptions>>().Get(Options.DefaultName);
        Assert.Equal(TimeSpan.FromHours(12), options.Ttl);
        Assert.Equal(16L << 20, options.BlockCacheBytes);
        Assert.True(options.SyncWrites);
        var storage = host.Services.GetRequiredService<JaegerStorage>();
        Assert.Equal(new StorageRetention(TimeSpan.FromHours(12), 1_000_000_000, null), host.Services.GetRequiredService<IStorageMaintenance>().Retention);
        var archive = Assert.IsType<EmbeddedSpanStore>(storage.Archive!.Writer);
        Assert.Equal(Path.GetFullPath(archivePath), archive.DataPath);
        Assert.True(File.Exists(Path.Combine(archivePath, "JAEGER_EMBEDDED_STORE")));
        Assert.True(File.Exists(Path.Combine(path, "JAEGER_EMBEDDED_STORE")));
        await host.StopAsync();
    }

    [Fact]
    public void The_default_data_folders_are_under_local_application_data_and_the_archive_beside_it()
    {
        var local = Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.DoNotVerify);
        Assert.Equal(Path.Combine(local, "jaeger-dotnet", "data"), EmbeddedStorageOptions.DefaultPath);
        Assert.Equal(EmbeddedStorageOptions.DefaultPath, EmbeddedStorageServiceCollectionExtensions.DefaultPathFor(StorageRole.Primary));
        Assert.Equal(Path.Combine(local, "jaeger-dotnet", "data-archive"), EmbeddedStorageServiceCollectionExtensions.DefaultPathFor(StorageRole.Archive));
        Assert.Equal(string.Empty, new EmbeddedStorageOptions().Path);
        Assert.Equal(TimeSpan.FromHours(72), new EmbeddedStorageOptions().Ttl);
        Assert.Equal(64L << 20, new EmbeddedStorageOptions().BlockCacheBytes);
        Assert.Equal(64L << 20, new EmbeddedStorageOptions().WriteBufferBytes);
        Assert.Equal(2, new EmbeddedStorageOptions().MaxWriteBuffers);
    }

    [Fact]
    public async Task An_invalid_option_in_configuration_stops_the_start_naming_the_key()
    {
        using var host = Build(new() { ["Jaeger:Storage:Type"] = "embedded", ["Jaeger:Storage:Embedded:Path"] = _folder.Sub("data"), ["Jaeger:Storage:Embedded:MaxWriteBuffers"] = "1" });

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Equal(["Jaeger:Storage:Embedded:MaxWriteBuffers must be between 2 and 16, not 1."], error.Failures);
        Assert.False(Directory.Exists(_folder.Sub("data")));
    }

    [Fact]
    public async Task An_invalid_archive_option_in_configuration_stops_the_start_naming_the_archive_key()
    {
        using var host = Build(new()
        {
            ["Jaeger:Storage:Type"] = "embedded",
            ["Jaeger:Storage:Embedded:Path"] = _folder.Sub("data"),
            ["Jaeger:Storage:Archive:Type"] = "embedded",
            ["Jaeger:Storage:Archive:Embedded:Path"] = _folder.Sub("archive"),
            ["Jaeger:Storage:Archive:Embedded:Ttl"] = "-01:00:00",
            ["Jaeger:Storage:Archive:Embedded:BlockCacheBytes"] = "1024",
        });

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Equal(
            [
                "Jaeger:Storage:Archive:Embedded:Ttl must be between 00:00:00 and 3650.00:00:00, not -01:00:00.",
                "Jaeger:Storage:Archive:Embedded:BlockCacheBytes must be between 1048576 and 1099511627776, not 1024.",
            ],
            error.Failures);
        Assert.False(Directory.Exists(_folder.Sub("archive")));
    }

    [Theory]
    [InlineData("MaxDiskBytes", "-1", "Jaeger:Storage:Embedded:MaxDiskBytes must be at least 0, not -1.")]
    [InlineData("WriteBufferBytes", "4294967297", "Jaeger:Storage:Embedded:WriteBufferBytes must be between 1048576 and 4294967296, not 4294967297.")]
    [InlineData("MaxWriteBuffers", "17", "Jaeger:Storage:Embedded:MaxWriteBuffers must be between 2 and 16, not 17.")]
    [InlineData("RetentionInterval", "00:00:00.5", "Jaeger:Storage:Embedded:RetentionInterval must be between 00:00:01 and 1.00:00:00, not 00:00:00.5000000.")]
    [InlineData("Ttl", "3650.00:00:01", "Jaeger:Storage:Embedded:Ttl must be between 00:00:00 and 3650.00:00:00, not 3650.00:00:01.")]
    public async Task Each_bounded_option_out_of_range_in_configuration_gives_its_key_bounds_and_value(string option, string value, string message)
    {
        using var host = Build(new() { ["Jaeger:Storage:Type"] = "embedded", ["Jaeger:Storage:Embedded:Path"] = _folder.Sub("data"), [$"Jaeger:Storage:Embedded:{option}"] = value });

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Equal([message], error.Failures);
    }

    [Theory]
    [InlineData("Ttl", "00:00:00")]
    [InlineData("Ttl", "3650.00:00:00")]
    [InlineData("MaxDiskBytes", "9223372036854775807")]
    [InlineData("BlockCacheBytes", "1048576")]
    [InlineData("BlockCacheBytes", "1099511627776")]
    [InlineData("WriteBufferBytes", "4294967296")]
    [InlineData("MaxWriteBuffers", "2")]
    [InlineData("RetentionInterval", "1.00:00:00")]
    public void The_bounds_themselves_are_accepted(string option, string value)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { [option] = value }).Build();
        var options = new EmbeddedStorageOptions();
        configuration.Bind(options);

        options.Validate();
    }

    [Fact]
    public async Task A_second_host_on_a_folder_in_use_fails_its_start_naming_the_folder()
    {
        var path = _folder.Sub("data");
        using var first = Build(new() { ["Jaeger:Storage:Type"] = "embedded", ["Jaeger:Storage:Embedded:Path"] = path });
        await first.StartAsync();
        using var second = Build(new() { ["Jaeger:Storage:Type"] = "embedded", ["Jaeger:Storage:Embedded:Path"] = path });

        var error = await Assert.ThrowsAsync<StorageException>(() => second.StartAsync());

        Assert.Equal("locked", error.Reason);
        Assert.Contains(Path.GetFullPath(path), error.Message, StringComparison.Ordinal);
        await first.StopAsync();
    }

    [Fact]
    public void AddEmbedded_checks_options_given_in_code_at_the_call()
    {
        var services = new ServiceCollection();

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => services.AddJaegerStorage(b => b.AddEmbedded(o => o.BlockCacheBytes = 10)));

        Assert.Equal("BlockCacheBytes", error.ParamName);
        Assert.StartsWith("Jaeger:Storage:Embedded:BlockCacheBytes must be between 1048576 and 1099511627776, not 10.", error.Message, StringComparison.Ordinal);
    }

    private static IHost Build(Dictionary<string, string?> configuration)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(configuration);
        builder.Services.AddJaegerStorage(b => b.AddMemory().AddEmbedded());
        return builder.Build();
    }
}
