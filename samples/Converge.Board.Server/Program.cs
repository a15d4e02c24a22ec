// The Converge demo host: the sync endpoint on embedded SQLite (./data) and the board, a Blazor WebAssembly app
// that runs Converge.Client in the browser.
using Converge.Board.Server;

var builder = WebApplication.CreateBuilder(args);

// Loopback by default; --urls or ASPNETCORE_URLS override it.
if (string.IsNullOrEmpty(builder.Configuration["urls"]))
{
    builder.WebHost.UseUrls("http://127.0.0.1:5000");
}

// Serve the board's files from the build output too, not only after publish (CreateBuilder does this in Development only).
builder.WebHost.UseStaticWebAssets();
builder.Services.AddConverge(options =>
{
    options.DatabasePath = builder.Configuration["Converge:DatabasePath"] ?? Path.Combine("data", "converge.db");
    // The board's rules, checked before the server accepts a change; a refusal rolls the change back in the browser.
    options.AddRule(BoardRules.TitleLength).AddRule(BoardRules.VotesNotNegative);
});

var app = builder.Build();
// MapStaticAssets serves the board's files, including the fingerprinted framework files its import map names.
app.MapStaticAssets();
app.MapConverge("/sync");
app.MapHealthChecks("/healthz");
app.MapFallbackToFile("index.html");
app.Run();
