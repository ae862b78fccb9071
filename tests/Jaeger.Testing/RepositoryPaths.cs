namespace Jaeger.Testing;

/// <summary>Paths inside this repository, found from the test binary's folder (never outside the repository).</summary>
public static class RepositoryPaths
{
    private static readonly Lazy<string> RootPath = new(FindRoot);

    /// <summary>The folder that holds Jaeger.sln.</summary>
    public static string Root => RootPath.Value;

    /// <summary>tests/interop-node: the Node scripts and the npm packages they use (jaeger-client).</summary>
    public static string NodeInterop => Path.Combine(Root, "tests", "interop-node");

    /// <summary>A folder for artifacts a test keeps (screenshots): tests/TestResults/artifacts.</summary>
    public static string Artifacts
    {
        get
        {
            var path = Path.Combine(Root, "tests", "TestResults", "artifacts");
            Directory.CreateDirectory(path);
            return path;
        }
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Jaeger.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"No Jaeger.sln above {AppContext.BaseDirectory}.");
    }
}
