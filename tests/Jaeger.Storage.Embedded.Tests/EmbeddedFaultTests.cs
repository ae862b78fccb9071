using System.Security.Cryptography;
using Jaeger.Model;
using Xunit.Abstractions;

namespace Jaeger.Storage.Embedded.Tests;

public sealed class EmbeddedFaultTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempFolder _folder = new("faults");

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task A_second_open_of_the_same_folder_fails_naming_the_folder_and_the_holder_and_the_first_keeps_working()
    {
        // In-process second opener: RocksDB's LOCK refuses it as it refuses another process (a child process running
        // .NET would make this test slow; the lock is the same flock either way).
        var path = _folder.Sub("data");
        using var first = StoreFixtures.Open(path);

        var error = Assert.Throws<StorageException>(() => StoreFixtures.Open(path));

        output.WriteLine(error.Message);
        Assert.Equal("locked", error.Reason);
        Assert.False(error.IsTransient);
        Assert.Contains(Path.GetFullPath(path), error.Message, StringComparison.Ordinal);
        Assert.Contains("in use by another process", error.Message, StringComparison.Ordinal);
        Assert.Contains($"pid {Environment.ProcessId}", error.Message, StringComparison.Ordinal);

        var id = new TraceId(0x5EC0, 1);
        await first.WriteSpansAsync(StoreFixtures.Trace(id, "svc", DateTimeOffset.UtcNow, 2));
        Assert.Equal(2, (await first.GetTraceAsync(id))!.Spans.Count);
    }

    [Fact]
    public async Task The_folder_opens_again_once_its_holder_closed_it()
    {
        var path = _folder.Sub("data");
        var id = new TraceId(0x5EC0, 2);
        using (var first = StoreFixtures.Open(path))
        {
            await first.WriteSpansAsync(StoreFixtures.Trace(id, "svc", DateTimeOffset.UtcNow, 3));
        }

        using var second = StoreFixtures.Open(path);
        Assert.Equal(3, (await second.GetTraceAsync(id))!.Spans.Count);
    }

    [Fact]
    public void A_foreign_folder_is_refused_at_start_and_left_untouched()
    {
        var path = _folder.Sub("foreign");
        Directory.CreateDirectory(path);
        File.WriteAllText(Path.Combine(path, "notes.txt"), "my own files");
        Directory.CreateDirectory(Path.Combine(path, "photos"));
        File.WriteAllBytes(Path.Combine(path, "photos", "a.jpg"), RandomNumberGenerator.GetBytes(1000));
        var before = Snapshot(path);

        var error = Assert.Throws<StorageException>(() => StoreFixtures.Open(path));

        Assert.Equal("foreign_folder", error.Reason);
        Assert.Contains(Path.GetFullPath(path), error.Message, StringComparison.Ordinal);
        Assert.Contains("was not created by the Jaeger embedded store", error.Message, StringComparison.Ordinal);
        Assert.Equal(before, Snapshot(path));
    }

    [Fact]
    public async Task A_store_folder_with_a_garbage_CURRENT_file_is_refused_at_start_and_left_untouched()
    {
        var path = _folder.Sub("data");
        using (var store = StoreFixtures.Open(path))
        {
            await store.WriteSpansAsync(StoreFixtures.Trace(new TraceId(0xC0, 1), "svc", DateTimeOffset.UtcNow, 5));
        }

        File.WriteAllBytes(Path.Combine(path, "CURRENT"), RandomNumberGenerator.GetBytes(64));
        var before = Snapshot(path);

        var error = Assert.Throws<StorageException>(() => StoreFixtures.Open(path));

        output.WriteLine(error.Message);
        Assert.Equal("corrupt", error.Reason);
        Assert.False(error.IsTransient);
        Assert.Contains(Path.GetFullPath(path), error.Message, StringComparison.Ordinal);
        Assert.Contains("CURRENT", error.Message, StringComparison.Ordinal);
        Assert.Equal(before, Snapshot(path));
    }

    [Fact]
    public async Task A_store_folder_whose_manifest_is_damaged_is_refused_at_start_and_its_files_are_not_rewritten()
    {
        var path = _folder.Sub("data");
        using (var store = StoreFixtures.Open(path))
        {
            await store.WriteSpansAsync(StoreFixtures.Trace(new TraceId(0xC0, 2), "svc", DateTimeOffset.UtcNow, 5));
        }

        var manifest = Directory.GetFiles(path, "MANIFEST-*").Single();
        File.WriteAllBytes(manifest, RandomNumberGenerator.GetBytes(4096));
        var before = Snapshot(path);

        var error = Assert.Throws<StorageException>(() => StoreFixtures.Open(path));

        Assert.Equal("corrupt", error.Reason);
        Assert.Contains(Path.GetFullPath(path), error.Message, StringComparison.Ordinal);

        // RocksDB may add a LOCK file and rotate its diagnostic log (in logs/) while it tries; every data file is unchanged.
        var after = Snapshot(path);
        foreach (var (name, hash) in before)
        {
            if (name.StartsWith("logs", StringComparison.Ordinal))
            {
                continue;
            }

            Assert.True(after.TryGetValue(name, out var now) && now == hash, $"{name} was changed or removed by the failed open");
        }
    }

    [Fact]
    public void A_data_path_that_is_a_file_is_refused()
    {
        var path = _folder.Sub("a-file");
        File.WriteAllText(path, "not a folder");

        var error = Assert.Throws<StorageException>(() => StoreFixtures.Open(path));

        Assert.Equal("foreign_folder", error.Reason);
        Assert.Equal("not a folder", File.ReadAllText(path));
    }

    [Fact]
    public async Task Spans_whose_write_completed_survive_a_process_that_never_closed_the_store()
    {
        // A kill, approximated in process: the store is never closed or flushed; its folder is copied as a killed
        // process would leave it (what the OS holds of the files) and the copy is opened, which replays the
        // write-ahead log. The memtable is far larger than the data, so nothing reached an SST file: only the log has it.
        var path = _folder.Sub("data");
        var copy = _folder.Sub("copy");
        var id = new TraceId(0x4B1, 1);
        var store = StoreFixtures.Open(path);
        try
        {
            await StoreFixtures.WriteAsync(store, StoreFixtures.Trace(id, "killed-svc", DateTimeOffset.UtcNow.AddMinutes(-1), 300), batchSize: 100);
            Assert.Empty(Directory.GetFiles(path, "*.sst"));

            Directory.CreateDirectory(copy);
            foreach (var file in Directory.GetFiles(path))
            {
                if (Path.GetFileName(file) != "LOCK")
                {
                    File.Copy(file, Path.Combine(copy, Path.GetFileName(file)));
                }
            }

            using var reopened = StoreFixtures.Open(copy);
            var trace = await reopened.GetTraceAsync(id);
            Assert.NotNull(trace);
            Assert.Equal(300, trace.Spans.Count);
            Assert.Equal([id], await reopened.FindTraceIdsAsync(new TraceQueryParameters { ServiceName = "killed-svc" }));
        }
        finally
        {
            store.Dispose();
        }
    }

    [TmpfsFact]
    public async Task A_full_disk_fails_writes_as_transient_disk_full_without_harm_and_writes_resume_when_space_returns()
    {
        var mount = _folder.Sub("tmpfs");
        TmpfsFactAttribute.Mount(mount, 8);
        try
        {
            var path = Path.Combine(mount, "data");
            var ballast = Path.Combine(mount, "ballast");
            var stored = new List<TraceId>();
            using (var store = StoreFixtures.Open(path, configure: o => o.WriteBufferBytes = 1 << 20))
            {
                var first = new TraceId(0xF011, 1);
                await store.WriteSpansAsync(StoreFixtures.Trace(first, "svc", DateTimeOffset.UtcNow, 10));
                stored.Add(first);

                // Fill the disk to the last byte, then keep writing: every write either completes or fails as a
                // transient disk_full; none crashes the store or fails another way.
                FillDisk(ballast);
                output.WriteLine($"after filling: {new DriveInfo(mount).AvailableFreeSpace} bytes free, ballast {new FileInfo(ballast).Length}");
                var failures = 0;
                for (var i = 0; i < 100; i++)
                {
                    var id = new TraceId(0xF011, 100 + (ulong)i);
                    try
                    {
                        await store.WriteSpansAsync(StoreFixtures.Trace(id, "svc", DateTimeOffset.UtcNow, 100));
                        stored.Add(id);
                    }
                    catch (StorageException ex)
                    {
                        output.WriteLine($"write {i}: {ex.Reason} (transient {ex.IsTransient}): {ex.Message}");
                        Assert.Equal("disk_full", ex.Reason);
                        Assert.True(ex.IsTransient);
                        failures++;
                    }
                }

                output.WriteLine($"on the full disk: {failures} writes failed as disk_full, {stored.Count - 1} completed");
                Assert.True(failures > 0, "no write failed on a full disk");

                // Space comes back: writes resume, and every write that completed is readable whole.
                File.Delete(ballast);
                var after = new TraceId(0xF011, 2);
                await store.WriteSpansAsync(StoreFixtures.Trace(after, "svc", DateTimeOffset.UtcNow, 10));
                stored.Add(after);
                foreach (var id in stored)
                {
                    var trace = await store.GetTraceAsync(id);
                    Assert.True(trace is not null, $"trace {id}, whose write completed, is missing");
                    Assert.Equal(id == first || id == after ? 10 : 100, trace.Spans.Count);

                    // Each span still finds its process in the hour's dictionary, whatever writes failed around it.
                    Assert.All(trace.Spans, s => Assert.Equal(("svc", "host-svc"), (s.Process.ServiceName, s.Process.Tags[0].StringValue)));
                }

                Assert.Equal(["svc"], await store.GetServicesAsync());
                Assert.Equal(["work", "work-child"], (await store.GetOperationsAsync(new OperationQueryParameters("svc"))).Select(o => o.Name).Distinct());
            }

            // Not corrupted: the folder opens again with everything.
            using var reopened = StoreFixtures.Open(path);
            foreach (var id in stored)
            {
                Assert.NotNull(await reopened.GetTraceAsync(id));
            }
        }
        finally
        {
            TmpfsFactAttribute.Unmount(mount);
        }
    }

    private static void FillDisk(string path)
    {
        var chunk = new byte[64 * 1024];
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1, FileOptions.None);
        try
        {
            while (true)
            {
                stream.Write(chunk);
            }
        }
        catch (IOException)
        {
            // Full.
        }

        for (var size = 4096; size >= 1; size /= 2)
        {
            try
            {
                while (true)
                {
                    stream.Write(chunk, 0, size);
                }
            }
            catch (IOException)
            {
            }
        }
    }

    private static Dictionary<string, string> Snapshot(string path) =>
        Directory.GetFiles(path, "*", SearchOption.AllDirectories)
            .ToDictionary(f => Path.GetRelativePath(path, f), f => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(f))));
}
