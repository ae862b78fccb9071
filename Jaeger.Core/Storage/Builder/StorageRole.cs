namespace Jaeger.Storage.Builder;

/// <summary>Which storage a backend instance serves; each has its own configuration section and options name.</summary>
public enum StorageRole
{
    /// <summary>Where spans are written and searched; options from <c>Jaeger:Storage:&lt;Backend&gt;</c>, options name "".</summary>
    Primary,

    /// <summary>Where archived traces are kept; options from <c>Jaeger:Storage:Archive:&lt;Backend&gt;</c>, options name <c>archive</c>.</summary>
    Archive,
}

/// <summary>Where each role's options live.</summary>
public static class StorageRoles
{
    /// <summary>The options name of the archive's instance of a backend's options.</summary>
    public const string ArchiveOptionsName = "archive";

    /// <summary>The named-options name for <paramref name="role"/>: "" (the default name) or <see cref="ArchiveOptionsName"/>.</summary>
    public static string OptionsName(this StorageRole role) => role == StorageRole.Archive ? ArchiveOptionsName : Microsoft.Extensions.Options.Options.DefaultName;

    /// <summary>The configuration section of a backend's options for <paramref name="role"/>, for example <c>Jaeger:Storage:Embedded</c> or <c>Jaeger:Storage:Archive:Embedded</c>.</summary>
    public static string SectionPath(this StorageRole role, string backendSection) =>
        role == StorageRole.Archive ? $"{JaegerStorageOptions.SectionName}:Archive:{backendSection}" : $"{JaegerStorageOptions.SectionName}:{backendSection}";
}
