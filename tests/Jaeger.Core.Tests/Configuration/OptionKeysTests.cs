using System.ComponentModel.DataAnnotations;
using Jaeger.Configuration;
using Jaeger.Storage.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Jaeger.Core.Tests.Configuration;

/// <summary>Validation messages name the configuration key the value came from, for default, named and nested options.</summary>
public sealed class OptionKeysTests
{
    [Fact]
    public void Default_options_bound_by_BindSection_name_their_keys_with_nested_objects_and_list_items()
    {
        using var provider = Provider<ProbeOptions>(
            new()
            {
                ["Jaeger:Probe:Count"] = "0",
                ["Jaeger:Probe:Retry:Backoff"] = "00:00:00",
                ["Jaeger:Probe:Retry:Budget"] = "-00:00:01",
                ["Jaeger:Probe:Items:0:Weight"] = "3",
                ["Jaeger:Probe:Items:1:Weight"] = "-1",
            },
            services => services.AddOptions<ProbeOptions>().BindSection("Jaeger:Probe"));

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptionsMonitor<ProbeOptions>>().Get(Options.DefaultName));

        Assert.Equal(
            [
                "Jaeger:Probe:Count must be between 1 and 10, not 0.",
                "Jaeger:Probe:Items:1:Weight must be at least 0, not -1.",
                "Jaeger:Probe:Retry:Backoff must be positive, not 00:00:00.",
                "Jaeger:Probe:Retry:Budget must not be negative, not -00:00:01.",
            ],
            error.Failures.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void A_named_archive_instance_names_the_archive_section_and_the_default_instance_its_own()
    {
        using var provider = Provider<ProbeStorageOptions>(
            new()
            {
                ["Jaeger:Storage:Memory:MaxTraces"] = "-2",
                ["Jaeger:Storage:Archive:Memory:MaxTraces"] = "-5",
                ["Jaeger:Storage:Archive:Memory:Retry:Backoff"] = "00:00:00",
            },
            services =>
            {
                services.AddOptions<ProbeStorageOptions>().BindSection(StorageRole.Primary.SectionPath("Memory"));
                services.AddOptions<ProbeStorageOptions>(StorageRoles.ArchiveOptionsName).BindSection(StorageRole.Archive.SectionPath("Memory"));
            });
        var monitor = provider.GetRequiredService<IOptionsMonitor<ProbeStorageOptions>>();

        var archive = Assert.Throws<OptionsValidationException>(() => monitor.Get(StorageRoles.ArchiveOptionsName));
        var primary = Assert.Throws<OptionsValidationException>(() => monitor.Get(Options.DefaultName));

        Assert.Equal(
            ["Jaeger:Storage:Archive:Memory:MaxTraces must be at least 0, not -5.", "Jaeger:Storage:Archive:Memory:Retry:Backoff must be positive, not 00:00:00."],
            archive.Failures.Order(StringComparer.Ordinal));
        Assert.Equal(["Jaeger:Storage:Memory:MaxTraces must be at least 0, not -2."], primary.Failures);
    }

    [Fact]
    public void Register_names_the_section_of_options_bound_another_way_and_Environment_follows_the_key()
    {
        OptionKeys.Register(typeof(EnvironmentProbeOptions), null, "Jaeger:Client");
        var options = new EnvironmentProbeOptions { Port = 0, Interval = TimeSpan.Zero };

        var result = new EnvironmentProbeOptionsValidator().Validate(null, options);

        Assert.Equal(
            ["Jaeger:Client:Interval (JAEGER_PROBE_INTERVAL) must be positive, not 00:00:00.", "Jaeger:Client:Port (JAEGER_PROBE_PORT) must be between 1 and 65535, not 0."],
            result.Failures!.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void A_display_name_is_turned_into_a_key_and_an_unregistered_root_is_kept()
    {
        OptionKeys.Register(typeof(KeyOnlyOptions), null, "Jaeger:Keys");
        OptionKeys.Register(typeof(KeyOnlyOptions), "second", "Jaeger:Keys:Second");

        Assert.Equal("Jaeger:Keys:Collectors:2", OptionKeys.Of("KeyOnlyOptions.Collectors[2]"));
        Assert.Equal("Jaeger:Keys:Compact:QueueSize", OptionKeys.Of("KeyOnlyOptions.Compact.QueueSize", typeof(KeyOnlyOptions)));
        Assert.Equal("Jaeger:Keys:Second:Compact:QueueSize", OptionKeys.Of("second.Compact.QueueSize", typeof(KeyOnlyOptions)));
        Assert.Equal("second:Compact:QueueSize", OptionKeys.Of("second.Compact.QueueSize", typeof(EnvironmentProbeOptions)));
        Assert.Equal("Nobody:Knows:This:0", OptionKeys.Of("Nobody.Knows.This[0]"));
        Assert.Equal("Jaeger:Keys:Alone", OptionKeys.Of("Alone", typeof(KeyOnlyOptions)));
    }

    [Theory]
    [InlineData("00:00:30", null)]
    [InlineData("00:00:00", null)]
    [InlineData("00:01:00", null)]
    [InlineData("00:01:00.0010000", "Jaeger:Bounds:Wait must be between 00:00:00 and 00:01:00, not 00:01:00.0010000.")]
    [InlineData("-00:00:01", "Jaeger:Bounds:Wait must be between 00:00:00 and 00:01:00, not -00:00:01.")]
    public void DurationBetween_accepts_its_bounds_and_names_the_key_outside_them(string wait, string? expected)
    {
        OptionKeys.Register(typeof(BoundsOptions), null, "Jaeger:Bounds");

        var result = new BoundsOptionsValidator().Validate(null, new BoundsOptions { Wait = TimeSpan.Parse(wait, System.Globalization.CultureInfo.InvariantCulture) });

        Assert.Equal(expected, result.Failures?.Single());
    }

    [Fact]
    public void DurationBetween_refuses_bounds_that_are_not_durations_or_are_reversed()
    {
        Assert.Throws<ArgumentException>(() => new DurationBetweenAttribute("soon", "00:01:00"));
        Assert.Throws<ArgumentException>(() => new DurationBetweenAttribute("00:02:00", "00:01:00"));
    }

    [Fact]
    public void Between_lets_null_pass_and_says_at_least_when_there_is_no_upper_bound()
    {
        var context = new ValidationContext(new object()) { DisplayName = "Unbound.Limit" };

        Assert.Null(new BetweenAttribute(1, 5).GetValidationResult(null, context));
        Assert.Equal("Unbound:Limit must be at least 1, not 0.", new BetweenAttribute(1, long.MaxValue).GetValidationResult(0L, context)?.ErrorMessage);
        Assert.Equal("Unbound:Limit must be at least 2, not 1.", new BetweenAttribute(2, int.MaxValue).GetValidationResult(1, context)?.ErrorMessage);
        Assert.Empty(new BetweenAttribute(2, 3).GetValidationResult(4, context)!.MemberNames);
    }

    private static ServiceProvider Provider<TOptions>(Dictionary<string, string?> settings, Action<IServiceCollection> bind)
        where TOptions : class
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
        bind(services);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ProbeOptions>, ProbeOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ProbeStorageOptions>, ProbeStorageOptionsValidator>());
        return services.BuildServiceProvider();
    }
}

public sealed class ProbeOptions
{
    [Between(1, 10)]
    public int Count { get; set; } = 1;

    [ValidateObjectMembers]
    public ProbeRetryOptions Retry { get; set; } = new();

    [ValidateEnumeratedItems]
    public List<ProbeItem> Items { get; set; } = [];
}

public sealed class ProbeRetryOptions
{
    [PositiveDuration]
    public TimeSpan Backoff { get; set; } = TimeSpan.FromSeconds(1);

    [NotNegativeDuration]
    public TimeSpan Budget { get; set; }
}

public sealed class ProbeItem
{
    [Between(0, int.MaxValue)]
    public int Weight { get; set; }
}

public sealed class ProbeStorageOptions
{
    [Between(0, int.MaxValue)]
    public int MaxTraces { get; set; }

    [ValidateObjectMembers]
    public ProbeRetryOptions Retry { get; set; } = new();
}

public sealed class EnvironmentProbeOptions
{
    [Between(1, 65_535, Environment = "JAEGER_PROBE_PORT")]
    public int Port { get; set; } = 1;

    [PositiveDuration(Environment = "JAEGER_PROBE_INTERVAL")]
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(1);
}

public sealed class KeyOnlyOptions;

public sealed class BoundsOptions
{
    [DurationBetween("00:00:00", "00:01:00")]
    public TimeSpan Wait { get; set; }
}

[OptionsValidator]
internal sealed partial class ProbeOptionsValidator : IValidateOptions<ProbeOptions>;

[OptionsValidator]
internal sealed partial class ProbeStorageOptionsValidator : IValidateOptions<ProbeStorageOptions>;

[OptionsValidator]
internal sealed partial class EnvironmentProbeOptionsValidator : IValidateOptions<EnvironmentProbeOptions>;

[OptionsValidator]
internal sealed partial class BoundsOptionsValidator : IValidateOptions<BoundsOptions>;
