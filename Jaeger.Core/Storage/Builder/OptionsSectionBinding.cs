using Jaeger.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace Jaeger.Storage.Builder;

/// <summary>The one way every Jaeger package binds its options from configuration.</summary>
public static class OptionsSectionBinding
{
    /// <summary>
    /// Binds the options from configuration section <paramref name="sectionPath"/> when the host registers an
    /// <see cref="IConfiguration"/> and the section exists; code configured after this call overrides it. The section is
    /// recorded for the options type and name (<see cref="OptionKeys.Register"/>), so validation messages name its keys.
    /// </summary>
    public static OptionsBuilder<TOptions> BindSection<TOptions>(this OptionsBuilder<TOptions> builder, string sectionPath)
        where TOptions : class
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrEmpty(sectionPath);
        OptionKeys.Register(typeof(TOptions), builder.Name, sectionPath);
        return builder.Configure<IServiceProvider>((options, provider) =>
        {
            var section = provider.GetService<IConfiguration>()?.GetSection(sectionPath);
            if (section is not null && section.Exists())
            {
                section.Bind(options);
            }
        });
    }
}
