using System.Collections.Concurrent;
using System.ComponentModel.DataAnnotations;
using System.Reflection;
using Microsoft.Extensions.Options;

namespace Jaeger.Configuration;

/// <summary>
/// Turns the member name the options validation source generator gives (<c>JaegerCollectorOptions.ThriftHttp.Address</c>,
/// or <c>archive.MaxTraces</c> for named options) into the configuration key the value came from
/// (<c>Jaeger:Collector:ThriftHttp:Address</c>, <c>Jaeger:Storage:Archive:Memory:MaxTraces</c>).
/// </summary>
/// <remarks>
/// <see cref="Jaeger.Storage.Builder.OptionsSectionBinding.BindSection{TOptions}"/> registers the section of every
/// options type and name it binds; options bound another way are registered with <see cref="Register"/>. An unregistered
/// root is kept as it is.
/// </remarks>
public static class OptionKeys
{
    // "<type name>" for the default options name, "<type name>/<options name>" for a named instance.
    private static readonly ConcurrentDictionary<string, string> s_sections = new(StringComparer.Ordinal);

    /// <summary>
    /// Records that the options of <paramref name="optionsType"/> named <paramref name="name"/> (null or empty: the
    /// default options) come from configuration section <paramref name="sectionPath"/>. For a named instance, the
    /// nested option objects validated with it (<see cref="ValidateObjectMembersAttribute"/>,
    /// <see cref="ValidateEnumeratedItemsAttribute"/>) are recorded under the same section. Registering again replaces.
    /// </summary>
    public static void Register(Type optionsType, string? name, string sectionPath)
    {
        ArgumentNullException.ThrowIfNull(optionsType);
        ArgumentException.ThrowIfNullOrEmpty(sectionPath);
        if (string.IsNullOrEmpty(name))
        {
            s_sections[optionsType.Name] = sectionPath;
            return;
        }

        RegisterNamed(optionsType, name, sectionPath, new HashSet<Type>());
    }

    /// <summary>The configuration key of the member a validation context describes (its <see cref="ValidationContext.DisplayName"/>).</summary>
    public static string Of(ValidationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return Of(context.DisplayName, context.ObjectType);
    }

    /// <summary>
    /// The configuration key of the generator's display name <c>&lt;root&gt;.&lt;path&gt;</c>: the section registered
    /// for the root (an options type name, or an options name looked up with <paramref name="objectType"/>, the type
    /// holding the member), then the path with <c>:</c> between its parts and list indexes.
    /// </summary>
    public static string Of(string displayName, Type? objectType = null)
    {
        ArgumentNullException.ThrowIfNull(displayName);
        var dot = displayName.IndexOf('.', StringComparison.Ordinal);
        string root;
        string path;
        if (dot < 0)
        {
            root = objectType?.Name ?? string.Empty;
            path = displayName;
        }
        else
        {
            root = displayName[..dot];
            path = displayName[(dot + 1)..];
        }

        var key = path.Replace('.', ':').Replace("[", ":", StringComparison.Ordinal).Replace("]", string.Empty, StringComparison.Ordinal);
        var section = SectionOf(root, objectType);
        return section.Length == 0 ? key : section + ":" + key;
    }

    private static string SectionOf(string root, Type? objectType)
    {
        if (s_sections.TryGetValue(root, out var section))
        {
            return section;
        }

        if (objectType is not null && s_sections.TryGetValue(objectType.Name + "/" + root, out section))
        {
            return section;
        }

        return root;
    }

    private static void RegisterNamed(Type type, string name, string sectionPath, HashSet<Type> seen)
    {
        if (!seen.Add(type))
        {
            return;
        }

        s_sections[type.Name + "/" + name] = sectionPath;
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.IsDefined(typeof(ValidateObjectMembersAttribute), inherit: true))
            {
                RegisterNamed(property.PropertyType, name, sectionPath, seen);
            }
            else if (property.IsDefined(typeof(ValidateEnumeratedItemsAttribute), inherit: true) && ItemType(property.PropertyType) is { } itemType)
            {
                RegisterNamed(itemType, name, sectionPath, seen);
            }
        }
    }

    private static Type? ItemType(Type collectionType)
    {
        if (collectionType.IsArray)
        {
            return collectionType.GetElementType();
        }

        foreach (var candidate in collectionType.GetInterfaces().Prepend(collectionType))
        {
            if (candidate.IsGenericType && candidate.GetGenericTypeDefinition() == typeof(IEnumerable<>))
            {
                return candidate.GetGenericArguments()[0];
            }
        }

        return null;
    }
}
