// A Converge client in its own process, so that a test can kill it (SIGKILL) mid-flight and start it again on the
// same local store. It edits one document continuously and reports on stdout, one line per event:
//
//   OPENED <status> <pending> <clientId>   the document is open (Stale when shown from the store)
//   R <clientSeq> <key>                    ApplyAsync returned a receipt for the change that sets <key>
//   DONE <sequence>                        (finish mode) every change is acknowledged; the process then exits 0
//
// Every change sets a key of its own and increments "count", so the server's state shows a change applied twice.
//
// Usage: Converge.ClientHost <serverUri> <storePath> <documentId> <run> <changes> <kill|finish>
//   kill:   make <changes> changes, then idle until killed
//   finish: make <changes> changes, wait until all are acknowledged (those of earlier runs too), print DONE, exit
using System.Text.Json;
using Converge.Client;
using Converge.Client.Documents;
using Converge.Client.Reconnection;
using Converge.Client.Storage;
using Converge.Client.Transports;
using Converge.Model.Documents;

if (args.Length != 6)
{
    Console.Error.WriteLine("usage: Converge.ClientHost <serverUri> <storePath> <documentId> <run> <changes> <kill|finish>");
    return 2;
}

var (serverUri, storePath, documentId, run, changes, finish) =
    (new Uri(args[0]), args[1], args[2], args[3], int.Parse(args[4], System.Globalization.CultureInfo.InvariantCulture), args[5] == "finish");

var options = new ConvergeClientOptions
{
    ServerUri = serverUri,
    LocalStore = new LocalStoreOptions { Path = storePath },
    ReconnectPolicy = new DefaultReconnectPolicy { InitialDelay = TimeSpan.FromMilliseconds(50), MaxDelay = TimeSpan.FromMilliseconds(250) },
    HandshakeTimeout = TimeSpan.FromSeconds(5),
};
options.Transports.Clear();
options.Transports.Add(TransportKind.WebSocket);

await using var client = new ConvergeClient(options);
// Not awaited: offline, it keeps retrying while the document opens from the store.
var started = client.StartAsync();
var document = await client.OpenDocumentAsync(documentId);
Console.WriteLine($"OPENED {document.Status} {document.PendingCount} {client.ClientId}");

for (var i = 0; i < changes; i++)
{
    var key = $"{run}-{i}";
    var receipt = await document.ApplyAsync([new SetValue(key, JsonSerializer.SerializeToElement(i)), new IncrementValue("count", 1)]);
    Console.WriteLine($"R {receipt.ClientSequence} {key}");
}

if (!finish)
{
    await Task.Delay(Timeout.Infinite);
}

var settled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
void Check()
{
    if (document.Status == DocumentStatus.Ready && document.PendingCount == 0)
    {
        settled.TrySetResult();
    }
}

document.Changed += (_, _) => Check();
Check();
await started;
await settled.Task.WaitAsync(TimeSpan.FromSeconds(60));
Console.WriteLine($"DONE {document.Sequence}");
return 0;
