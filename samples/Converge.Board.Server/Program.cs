// The Converge demo host: the sync endpoint on embedded SQLite (./data). The board UI joins it in a later issue.
var builder = WebApplication.CreateBuilder(args);
builder.Services.AddConverge(options =>
    options.DatabasePath = builder.Configuration["Converge:DatabasePath"] ?? Path.Combine("data", "converge.db"));

var app = builder.Build();
app.MapGet("/", () => Results.Text(
    "Converge server is running. Sync endpoint: /sync (WebSocket, protocol v1). See README.md.", "text/plain"));
app.MapConverge("/sync");
app.Run();
