using System.Globalization;
using Converge.LoadBench;

// Fan-out, side by side in one run: raw Kestrel WebSocket broadcast, ASP.NET Core SignalR, Converge.
//   dotnet run -c Release --project bench/Converge.LoadBench -- [receivers] [messages] [messages per second, 0 = flat out]
var receivers = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 1000;
var messages = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 1000;
var rate = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 100;

var results = new List<FanoutResult>
{
    await RawWebSocketFanout.RunAsync(receivers, messages, rate),
    await SignalRFanout.RunAsync(receivers, messages, rate),
    await ConvergeFanout.RunAsync(receivers, messages, rate),
};

foreach (var result in results)
{
    Console.WriteLine(System.Text.Json.JsonSerializer.Serialize(result));
}
