using Converge.Board.Client;
using Converge.Client;
using Microsoft.AspNetCore.Components.Web;
using Microsoft.AspNetCore.Components.WebAssembly.Hosting;

var builder = WebAssemblyHostBuilder.CreateDefault(args);
builder.RootComponents.Add<App>("#app");
builder.RootComponents.Add<HeadOutlet>("head::after");

// The sync endpoint is on the host that served the app: ws(s)://<host>/sync.
var sync = new UriBuilder(builder.HostEnvironment.BaseAddress) { Path = "/sync" }.Uri;
builder.Services.AddSingleton(_ => new ConvergeClient(new ConvergeClientOptions { ServerUri = sync }));

await builder.Build().RunAsync();
