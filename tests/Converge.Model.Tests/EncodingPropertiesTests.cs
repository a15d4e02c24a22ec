using Converge.Model.Encoding;
using Xunit.Sdk;

namespace Converge.Model.Tests;

public sealed class EncodingPropertiesTests
{
    [Fact]
    public void DecodeFailsCleanly__accepts_ModelEncodingException_and_rejects_any_other_exception()
    {
        EncodingProperties.DecodeFailsCleanly([1], static _ => throw new ModelEncodingException("bad"));
        EncodingProperties.DecodeFailsCleanly([1], static _ => { });
        Assert.Throws<FailException>(() => EncodingProperties.DecodeFailsCleanly([1], static b => _ = b[5]));
    }
}
