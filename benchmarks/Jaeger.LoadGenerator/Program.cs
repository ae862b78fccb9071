using Jaeger.LoadGenerator;

// The load generator: see OptionsParser.Help, or run with --help.

// It shares the cores with the server it loads: socket completions run the send loops on the socket engine's thread
// instead of waking a thread-pool thread per response (read once, at the first socket; nothing here blocks a thread).
// Set DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=0 to compare.
if (Environment.GetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS") is null)
{
    Environment.SetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS", "1");
}

using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancel.Cancel();
};

try
{
    return await LoadRunner.RunCommandLineAsync(args, Console.Out, Console.Error, cancel.Token);
}
catch (OperationCanceledException) when (cancel.IsCancellationRequested)
{
    Console.Error.WriteLine("cancelled");
    return 130;
}
