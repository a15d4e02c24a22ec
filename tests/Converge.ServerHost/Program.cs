// Usage: Converge.ServerHost <port> sqlite <database path>
//        Converge.ServerHost <port> postgres <connection string> <schema>
// Serves /sync on 127.0.0.1:<port>, prints "LISTENING <port>" once it accepts connections, and runs until killed.
// Checkpoints come every 50 changes so that a restart recovers from checkpoint + tail; the log is never truncated,
// so that the test can check every acknowledged change in it.
using System.Globalization;
using System.Net;

if (args.Length < 3 || !int.TryParse(args[0], NumberStyles.None, CultureInfo.InvariantCulture, out var port)
    || (args[1] != "sqlite" && !(args[1] == "postgres" && args.Length == 4)))
{
    await Console.Error.WriteLineAsync("usage: Converge.ServerHost <port> (sqlite <path> | postgres <connection string> <schema>)");
    return 2;
}

var builder = WebApplication.CreateSlimBuilder();
builder.WebHost.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, port));
builder.Logging.ClearProviders();
builder.Logging.AddSimpleConsole(console => console.SingleLine = true).SetMinimumLevel(LogLevel.Warning);
builder.Logging.Services.Configure<Microsoft.Extensions.Logging.Console.ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
builder.Services.AddConverge(options =>
{
    if (args[1] == "sqlite")
    {
        options.DatabasePath = args[2];
    }
    else
    {
        options.UsePostgres(args[2], args[3]);
    }

    options.MaxFramesPerSecond = 0;
    options.Storage.CheckpointEveryChanges = 50;
    options.Storage.LogRetention = Timeout.InfiniteTimeSpan;
});

var app = builder.Build();
app.MapConverge("/sync");
await app.StartAsync();
Console.WriteLine($"LISTENING {port}");
await app.WaitForShutdownAsync();
return 0;
