// The Converge demo host: the sync endpoint on embedded SQLite (./data). The board UI joins it in a later issue.
var builder = WebApplication.CreateBuilder(args);

// Loopback by default; --urls or ASPNETCORE_URLS override it.
if (string.IsNullOrEmpty(builder.Configuration["urls"]))
{
    builder.WebHost.UseUrls("http://127.0.0.1:5000");
}

builder.Services.AddConverge(options =>
    options.DatabasePath = builder.Configuration["Converge:DatabasePath"] ?? Path.Combine("data", "converge.db"));

var app = builder.Build();
app.MapGet("/", () => Results.Text(
    "Converge server is running. Sync endpoint: ws://<host>/sync (WebSocket, protocol v1). See README.md.", "text/plain"));
app.MapConverge("/sync");
app.Run();
