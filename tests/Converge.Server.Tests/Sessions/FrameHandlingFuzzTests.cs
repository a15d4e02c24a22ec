using System.Buffers;
using System.Security.Claims;
using System.Text;
using System.Text.Json;
using Converge.Model.Documents;
using Converge.Protocol;
using Converge.Protocol.Codecs;
using Converge.Protocol.Frames;
using Converge.Server.Authority;
using Converge.Server.Security;
using Converge.Server.Sessions;
using Converge.Server.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Converge.Server.Tests.Sessions;

/// <summary>
/// 100,000 random and mutated inputs through what a transport does with a client message (decode, then the session's
/// frame handling, on real authorities): every failure is a ProtocolException whose code maps to a documented close
/// code, nothing hangs, and afterwards the documents are intact — a fresh subscriber's snapshot is exactly the log.
/// </summary>
public sealed class FrameHandlingFuzzTests
{
    private const int Inputs = 100_000;

    // Long enough that a loaded two-core CI box never trips it, short enough that a real hang fails the test.
    private static readonly TimeSpan HangTimeout = TimeSpan.FromSeconds(30);

    private static readonly string[] Documents = ["d1", "d2", "d3"];

    private static JsonElement Json(string text) => JsonDocument.Parse(text).RootElement.Clone();

    private static Frame RandomFrame(Random random, string? clientId)
    {
        var document = Documents[random.Next(Documents.Length)];
        DocumentOperation Operation() => random.Next(5) switch
        {
            0 => new SetValue("k" + random.Next(8), Json(random.Next(3) == 0 ? "{\"a\":[1,2,{\"b\":null}]}" : random.Next(100).ToString(System.Globalization.CultureInfo.InvariantCulture))),
            1 => new RemoveValue("k" + random.Next(8)),
            2 => new IncrementValue("n", random.Next(-5, 6)),
            3 => new AddToSet("s", "e" + random.Next(4), "t" + random.Next(1000)),
            _ => new RemoveFromSet("s", "e" + random.Next(4), ["t" + random.Next(1000)]),
        };
        PresenceCursor Cursor() => new(random.Next(3) == 0 ? null : Json($"{{\"x\":{random.Next(100)}}}"), random.Next(2) == 0 ? null : Json("[1,2]"));
        return random.Next(12) switch
        {
            0 => new HelloFrame(ConvergeProtocol.Version, "fuzz-" + random.Next(20), null, random.Next(2) == 0 ? null : [new Subscription(document, random.Next(5))]),
            1 => new SubscribeFrame(document, random.Next(0, 50)),
            2 => new UnsubscribeFrame(document),
            3 or 4 => new PushFrame(document, [new ClientChange(random.Next(5) > 0 && clientId is not null ? clientId : "fuzz-" + random.Next(20), random.Next(1, 400), [Operation(), Operation()])]),
            5 => new PingFrame(random.Next()),
            6 => new PongFrame(random.Next()),
            7 => new AckFrame(document, 1, 1),
            8 => new SnapshotFrame(document, 3, [Operation()]),
            9 => new PresenceJoinFrame(document, Json("{\"name\":\"fuzz\",\"tags\":[1,{\"a\":null}]}"), random.Next(2) == 0 ? null : Cursor()),
            10 => new PresenceUpdateFrame(document, random.Next(4) == 0 ? Json("{\"name\":\"z\"}") : null, Cursor(), random.Next(3) == 0 ? random.Next(2) == 0 : null),
            _ => new PresenceLeaveFrame(document),
        };
    }

    private static byte[] Mutate(Random random, byte[] bytes)
    {
        var copy = bytes.ToList();
        for (var i = random.Next(1, 4); i > 0 && copy.Count > 0; i--)
        {
            var at = random.Next(copy.Count);
            switch (random.Next(4))
            {
                case 0:
                    copy[at] = (byte)random.Next(256);
                    break;
                case 1:
                    copy.RemoveRange(at, copy.Count - at);
                    break;
                case 2:
                    copy.Insert(at, (byte)random.Next(256));
                    break;
                default:
                    copy.InsertRange(at, Encoding.UTF8.GetBytes(random.Next(2) == 0 ? "\"op\":\"set\"," : "{\"type\":\"push\"}"));
                    break;
            }
        }

        return [.. copy];
    }

    private static byte[] Encode(IFrameCodec codec, Frame frame)
    {
        var buffer = new ArrayBufferWriter<byte>();
        codec.Encode(frame, buffer);
        return buffer.WrittenSpan.ToArray();
    }

    [Fact]
    public async Task Random_and_mutated_client_messages__fail_only_with_documented_codes_and_leave_documents_intact()
    {
        var directory = Directory.CreateTempSubdirectory("converge-fuzz-");
        try
        {
            var services = new ServiceCollection().AddLogging().AddConverge(o =>
            {
                o.DatabasePath = Path.Combine(directory.FullName, "fuzz.db");
                // Every input gets through: the rate limiter is tested elsewhere.
                o.MaxFramesPerSecond = 0;
            }).BuildServiceProvider();
            await using var _ = services;
            var store = services.GetRequiredService<IChangeStore>();
            await store.InitializeAsync(CancellationToken.None);
            var registry = services.GetRequiredService<AuthorityRegistry>();
            var authorizer = services.GetRequiredService<IDocumentAuthorizer>();
            var metrics = services.GetRequiredService<Observability.ConvergeServerMetrics>();
            var options = services.GetRequiredService<IOptions<ConvergeServerOptions>>().Value;
            var presence = services.GetRequiredService<Converge.Server.Presence.PresenceRegistry>();
            IFrameCodec[] codecs = [JsonFrameCodec.Instance, MessagePackFrameCodec.Instance];
            var random = new Random(20261123);
            ServerSession NewSession() => new(Guid.NewGuid().ToString("N"), new ClaimsPrincipal(new ClaimsIdentity()), registry, authorizer, metrics, presence, options, NullLogger.Instance);

            // Most sessions say hello and subscribe, so that inputs get past the handshake to the authorities.
            async Task<ServerSession> GreetedSession()
            {
                var greeted = NewSession();
                if (random.Next(5) > 0)
                {
                    await greeted.HandleAsync(new HelloFrame(ConvergeProtocol.Version, "fuzz-" + random.Next(20), null, [.. Documents.Select(d => new Subscription(d, 0))]), CancellationToken.None);
                }

                return greeted;
            }

            var session = await GreetedSession();
            var sessions = new List<ServerSession> { session };
            var documented = Enum.GetValues<ConvergeCloseCode>().ToHashSet();
            var failures = new Dictionary<string, int>();
            for (var i = 0; i < Inputs; i++)
            {
                var codec = codecs[random.Next(codecs.Length)];
                var bytes = random.Next(10) switch
                {
                    < 5 => Encode(codec, RandomFrame(random, session.ClientId)),
                    < 9 => Mutate(random, Encode(codec, RandomFrame(random, session.ClientId))),
                    _ => Enumerable.Range(0, random.Next(0, 40)).Select(_ => (byte)random.Next(256)).ToArray(),
                };
                try
                {
                    var frame = codec.Decode(bytes);
                    await session.HandleAsync(frame, CancellationToken.None).AsTask().WaitAsync(HangTimeout);
                }
                catch (ProtocolException ex)
                {
                    Assert.Contains(ex.CloseCode, documented);
                    failures[ex.ErrorCode] = failures.GetValueOrDefault(ex.ErrorCode) + 1;
                    // The transport closes the session on a protocol error: go on with a new one.
                    session.Close(ex.CloseCode, ex.Message);
                    await session.EndAsync();
                    session = await GreetedSession();
                    sessions.Add(session);
                }

                // Drain what the server sent, as a transport would, so queues do not fill.
                if (i % 64 == 0)
                {
                    foreach (var open in sessions.Where(s => s.CloseReason is null))
                    {
                        while (open.Outbound.TryRead(out var __))
                        {
                        }
                    }
                }
            }

            Assert.True(failures.GetValueOrDefault(ErrorCodes.MalformedFrame) > 1000, "the fuzzer hardly reached the decoders' error paths");
            Assert.True(failures.GetValueOrDefault(ErrorCodes.UnexpectedFrame) > 100, "the fuzzer hardly reached the session's error paths");

            // Intact: each document's snapshot, to a fresh subscriber, is the log replayed.
            var accepted = 0;
            foreach (var document in Documents)
            {
                var log = await store.ReadAsync(document, 0, int.MaxValue, CancellationToken.None);
                accepted += log.Count;
                Assert.Equal(Enumerable.Range(1, log.Count).Select(n => (long)n), log.Select(c => c.Sequence));
                var replayed = JsonMap.Empty.Apply(log.SelectMany(c => c.Operations));
                var reader = NewSession();
                await reader.HandleAsync(new HelloFrame(ConvergeProtocol.Version, "reader"), CancellationToken.None);
                await reader.HandleAsync(new SubscribeFrame(document, 0), CancellationToken.None);
                var snapshot = JsonMap.Empty;
                while (await reader.Outbound.WaitToReadAsync().AsTask().WaitAsync(HangTimeout))
                {
                    reader.Outbound.TryRead(out var frame);
                    if (frame is SnapshotFrame s)
                    {
                        snapshot = snapshot.Apply(s.Operations);
                    }
                    else if (frame is SubscribedFrame)
                    {
                        break;
                    }
                }

                Assert.True(snapshot.ContentEquals(replayed), $"{document}: the served state differs from its log");
            }

            Console.WriteLine($"fuzz: {Inputs} inputs, {accepted} changes accepted, {sessions.Count} sessions, failures: {string.Join(", ", failures.OrderBy(f => f.Key).Select(f => $"{f.Key} {f.Value}"))}");
            Assert.True(accepted > 100, $"only {accepted} changes were accepted: the fuzzer hardly reached the authorities");
            foreach (var open in sessions)
            {
                await open.EndAsync();
            }
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }
}
