using Converge.Client.Documents;

namespace Converge.IntegrationTests.Infrastructure;

/// <summary>Waits on document events instead of sleeping; fails with a clear message after a generous timeout.</summary>
internal static class DocumentWaits
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);

    public static async Task UntilAsync(this ConvergeDocument document, Func<ConvergeDocument, bool> condition, string what)
    {
        var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnChanged(object? sender, DocumentChangedEventArgs e)
        {
            if (condition(document))
            {
                reached.TrySetResult();
            }
        }

        document.Changed += OnChanged;
        try
        {
            if (condition(document))
            {
                return;
            }

            await reached.Task.WaitAsync(Timeout);
        }
        catch (TimeoutException)
        {
            throw new Xunit.Sdk.XunitException($"Document {document.Id} did not reach: {what} (sequence {document.Sequence}, pending {document.PendingCount}).");
        }
        finally
        {
            document.Changed -= OnChanged;
        }
    }

    public static Task UntilSequenceAsync(this ConvergeDocument document, long sequence) =>
        document.UntilAsync(d => d.Sequence >= sequence && d.PendingCount == 0, $"sequence {sequence} with nothing pending");
}
