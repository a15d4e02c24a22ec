using Microsoft.Extensions.Logging;

namespace Converge.Client.Tests.Storage;

/// <summary>Keeps every log entry's event name and exception, for tests that assert a failure was reported.</summary>
internal sealed class CapturingLogger : ILogger, ILoggerFactory
{
    private readonly List<(string? Event, Exception? Exception)> _entries = [];

    public IReadOnlyList<(string? Event, Exception? Exception)> Entries
    {
        get
        {
            lock (_entries)
            {
                return [.. _entries];
            }
        }
    }

    public IEnumerable<Exception?> Exceptions(string eventName) => Entries.Where(e => e.Event == eventName).Select(static e => e.Exception);

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        lock (_entries)
        {
            _entries.Add((eventId.Name, exception));
        }
    }

    public ILogger CreateLogger(string categoryName) => this;

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public void Dispose()
    {
    }
}
