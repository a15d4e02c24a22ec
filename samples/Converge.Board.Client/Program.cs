using Converge.Board.Client;
using Converge.Board.Client.Storage;
using Converge.Client;
using Converge.Client.Storage;
using Microsoft.AspNetCore.Components.Web;
using Microsoft.AspNetCore.Components.WebAssembly.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.JSInterop;

var builder = WebAssemblyHostBuilder.CreateDefault(args);
builder.RootComponents.Add<App>("#app");
builder.RootComponents.Add<HeadOutlet>("head::after");

// The sync endpoint is on the host that served the app: ws(s)://<host>/sync.
var sync = new UriBuilder(builder.HostEnvironment.BaseAddress) { Path = "/sync" }.Uri;

// The client's connection story (transport tried, fallback, reconnect) goes to the browser console: the first thing to
// read when a board will not connect.
builder.Logging.AddFilter("Converge", LogLevel.Information);
builder.Services.AddSingleton(services =>
{
    // WebAssembly's runtime is in-process: the store's synchronous calls reach localStorage directly (docs/board.md).
    var js = (IJSInProcessRuntime)services.GetRequiredService<IJSRuntime>();
    return new ConvergeClient(new ConvergeClientOptions
    {
        ServerUri = sync,
        LocalStore = new LocalStoreOptions
        {
            StoreFactory = clientId => BrowserClientStore.Open(js, clientId),
            // localStorage holds about 5 MB per origin (UTF-16): leave room for the outbox.
            CacheQuotaBytes = 2 * 1024 * 1024,
            // Snapshots are cheap here and a reload should find the newest state.
            SnapshotInterval = TimeSpan.FromSeconds(1),
        },
    }, services.GetRequiredService<ILoggerFactory>());
});

await builder.Build().RunAsync();
