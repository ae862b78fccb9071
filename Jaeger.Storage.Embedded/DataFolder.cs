using System.Globalization;
using System.Text.RegularExpressions;

namespace Jaeger.Storage.Embedded;

/// <summary>
/// Guards the data folder: a marker file says this store created it, so a foreign or damaged folder is refused at
/// start and never written to; an owner file names the process holding it, for the message a second opener gets.
/// </summary>
internal static partial class DataFolder
{
    /// <summary>The marker written into a new data folder, before RocksDB creates anything there.</summary>
    public const string MarkerFileName = "JAEGER_EMBEDDED_STORE";

    /// <summary>Who holds the folder: written after RocksDB's LOCK was taken.</summary>
    public const string OwnerFileName = "jaeger-store.owner";

    public const int FormatVersion = 2;

    private const string MarkerHead = "jaeger-dotnet embedded span store";

    /// <summary>Makes sure <paramref name="path"/> is a folder this store may open; creates and marks it when new or empty.</summary>
    /// <returns>True when the folder already held a store; false when it was new.</returns>
    /// <exception cref="StorageException">The folder is foreign, from a newer format, or damaged.</exception>
    public static bool Prepare(string path)
    {
        var marker = Path.Combine(path, MarkerFileName);
        if (File.Exists(path))
        {
            throw new StorageException("foreign_folder", $"The embedded store's data path {path} is a file, not a folder. Set Jaeger:Storage:Embedded:Path to a folder.", isTransient: false);
        }

        if (!Directory.Exists(path) || !Directory.EnumerateFileSystemEntries(path).Any())
        {
            Directory.CreateDirectory(path);
            WriteMarker(marker);
            return false;
        }

        if (!File.Exists(marker))
        {
            throw new StorageException(
                "foreign_folder",
                $"The folder {path} is not empty and was not created by the Jaeger embedded store (it has no {MarkerFileName} file); it was left untouched. " +
                "Set Jaeger:Storage:Embedded:Path to an empty or new folder.",
                isTransient: false);
        }

        var text = File.ReadAllText(marker);
        var match = MarkerPattern().Match(text);
        if (!match.Success)
        {
            throw new StorageException("corrupt", $"The marker file {marker} is not one this store writes; the folder {path} was left untouched.", isTransient: false);
        }

        var version = int.Parse(match.Groups[1].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture);
        if (version != FormatVersion)
        {
            throw new StorageException("format", $"The data folder {path} holds store format {version}; this version reads format {FormatVersion}. It was left untouched.", isTransient: false);
        }

        var current = Path.Combine(path, "CURRENT");
        if (!File.Exists(current))
        {
            // Marked but RocksDB never finished creating it (a crash right after the marker): nothing else may be there.
            var others = Directory.EnumerateFileSystemEntries(path)
                .Select(Path.GetFileName)
                .Where(static name => name is not (MarkerFileName or OwnerFileName or "LOCK" or RocksDbHandle.LogFolder) && !name!.StartsWith("LOG", StringComparison.Ordinal))
                .ToList();
            if (others.Count > 0)
            {
                throw new StorageException("corrupt", $"The data folder {path} has no CURRENT file but holds {string.Join(", ", others.Take(5))}: it is damaged and was left untouched. Move it away or restore it from a backup.", isTransient: false);
            }

            return false;
        }

        // RocksDB's CURRENT names the live MANIFEST; checked here so a damaged folder is refused before RocksDB opens it.
        var currentText = File.ReadAllText(current);
        var manifest = CurrentPattern().Match(currentText);
        if (!manifest.Success || !File.Exists(Path.Combine(path, manifest.Groups[1].Value)))
        {
            throw new StorageException("corrupt", $"The data folder {path} is damaged: its CURRENT file does not name an existing MANIFEST. It was left untouched; move it away or restore it from a backup.", isTransient: false);
        }

        return true;
    }

    /// <summary>Records this process as the folder's holder (after RocksDB's LOCK was taken).</summary>
    public static void WriteOwner(string path)
    {
        var owner = Path.Combine(path, OwnerFileName);
        var temp = owner + ".tmp";
        File.WriteAllText(temp, string.Create(CultureInfo.InvariantCulture, $"pid {Environment.ProcessId} on {Environment.MachineName} ({Environment.ProcessPath}), since {DateTimeOffset.UtcNow:O}\n"));
        File.Move(temp, owner, overwrite: true);
    }

    /// <summary>Who holds the folder, as recorded, or a phrase saying it is not known.</summary>
    public static string DescribeOwner(string path)
    {
        try
        {
            var text = File.ReadAllText(Path.Combine(path, OwnerFileName)).Trim();
            return text.Length == 0 ? "an unknown process" : text.Length > 300 ? text[..300] : text;
        }
        catch (IOException)
        {
            return "an unknown process";
        }
        catch (UnauthorizedAccessException)
        {
            return "an unknown process";
        }
    }

    private static void WriteMarker(string marker) =>
        File.WriteAllText(marker, string.Create(CultureInfo.InvariantCulture, $"{MarkerHead}\nformat {FormatVersion}\nengine RocksDB\ncreated {DateTimeOffset.UtcNow:O}\n"));

    [GeneratedRegex(@"\Ajaeger-dotnet embedded span store\nformat (\d{1,9})\n")]
    private static partial Regex MarkerPattern();

    [GeneratedRegex(@"\A(MANIFEST-\d{1,20})\n\z")]
    private static partial Regex CurrentPattern();
}
