// `converge`: the Converge command line. serve | watch <doc> | put <doc> <key> <json> | get <doc> [key] | load.
using System.CommandLine;
using Converge.Cli;
using Converge.Cli.Commands;

var url = new Option<string>("--url")
{
    Description = $"The server's address (http(s) or ws(s)); a URL without a path gets /sync. Default {ServerAddress.Default}.",
    DefaultValueFactory = static _ => ServerAddress.Default,
    Recursive = true,
};

var root = new RootCommand("Converge: a real-time sync server and client. Run a server, watch and edit documents, load-test.")
{
    url,
    ServeCommand.Create(url),
    WatchCommand.Create(url),
    PutCommand.Create(url),
    GetCommand.Create(url),
    LoadCommand.Create(url),
};

return await root.Parse(args).InvokeAsync();
