using System.Globalization;
using System.Text;
using Converge.Testing.Traces;

namespace Converge.Model.Tests.Traces;

public sealed class EditingTraceTests
{
    public static TheoryData<string> Traces() => new(EditingTrace.AvailableNames());

    [Theory]
    [MemberData(nameof(Traces))]
    public void Replaying_a_trace_on_a_plain_string__reproduces_its_end_content(string name)
    {
        var trace = EditingTrace.Load(name);
        // Code points, not chars: the rustcode trace has non-BMP text.
        var text = new List<Rune>(trace.StartContent.EnumerateRunes());
        foreach (var patch in trace.Patches)
        {
            text.RemoveRange(patch.Position, patch.DeleteCount);
            text.InsertRange(patch.Position, patch.Insert.EnumerateRunes());
        }

        var result = new StringBuilder();
        foreach (var rune in text)
        {
            result.Append(rune.ToString());
        }

        Assert.Equal(trace.EndContent, result.ToString());
        Assert.True(trace.Transactions.Count > 0, string.Create(CultureInfo.InvariantCulture, $"{name} has no transactions"));
    }
}
