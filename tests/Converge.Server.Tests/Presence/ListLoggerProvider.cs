using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Converge.Server.Tests.Presence;

/// <summary>Keeps every log line, so tests can assert that refused input was logged.</summary>
internal sealed class ListLoggerProvider : ILoggerProvider
{
    private readonly ConcurrentQueue<(LogLevel Level, string EventName, string Message)> _lines = new();

    public IReadOnlyCollection<(LogLevel Level, string EventName, string Message)> Lines => _lines;

    public ILogger CreateLogger(string categoryName) => new Logger(_lines);

    public void Dispose()
    {
    }

    private sealed class Logger(ConcurrentQueue<(LogLevel, string, string)> lines) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            lines.Enqueue((logLevel, eventId.Name ?? string.Empty, formatter(state, exception)));
    }
}
