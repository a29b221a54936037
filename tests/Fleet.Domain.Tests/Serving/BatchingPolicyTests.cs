using Fleet.Domain.Serving;

namespace Fleet.Domain.Tests.Serving;

public class BatchingPolicyTests
{
    [Theory]
    [InlineData(3, 0, 10, 100, true)]
    [InlineData(4, 0, 10, 100, false)]   // batch full
    [InlineData(0, 95, 5, 100, true)]    // exactly fits
    [InlineData(0, 95, 6, 100, false)]   // one token over the KV budget
    public void CanAdmit_BatchAndKvBudget_AdmitsOnlyWhenBothHaveRoom(long admitted, long used, long need, long capacity, bool expected) =>
        Assert.Equal(expected, new BatchingPolicy(4).CanAdmit(admitted, used, need, capacity));

    [Fact]
    public void KvReservation_PromptAndOutput_ReservesBoth() => Assert.Equal(150, BatchingPolicy.KvReservation(100, 50));

    [Theory]
    [InlineData(512, 0, 512)]
    [InlineData(512, 12, 500)]
    [InlineData(8, 20, 0)]
    public void PrefillBudget_Chunked_ChunkMinusDecodes(int chunk, long decoding, long expected)
    {
        var policy = new BatchingPolicy(64, chunk);
        Assert.True(policy.DecodesDuringPrefill);
        Assert.Equal(expected, policy.PrefillBudget(decoding));
    }

    [Fact]
    public void PrefillBudget_Unchunked_WholePromptsAndNoDecodes()
    {
        var policy = new BatchingPolicy(64);
        Assert.False(policy.DecodesDuringPrefill);
        Assert.Equal(long.MaxValue, policy.PrefillBudget(10));
    }

    [Theory]
    [InlineData(0, 0)]
    [InlineData(4, -1)]
    public void Validate_ImpossibleValues_Throws(int maxBatch, int chunk) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new BatchingPolicy(maxBatch, chunk).Validate());
}
