using Zmarty.Emulators.Market;

namespace Zmarty.Tests.Pipeline;

public sealed class MarketWalkTests
{
    private static readonly DateTimeOffset s_now = new(2026, 11, 24, 10, 17, 0, TimeSpan.Zero);

    [Fact]
    public void The_same_bar_has_the_same_ohlcv_whatever_window_asks_for_it()
    {
        var walk = new MarketWalk(MarketEmulators.DefaultSeed);

        // Windows that start in different replay blocks and end at different bars.
        var early = walk.Bars("BTC", "1h", s_now.AddHours(-10), 500);
        var late = walk.Bars("BTC", "1h", s_now, 60);
        var again = new MarketWalk(MarketEmulators.DefaultSeed).Bars("BTC", "1h", s_now, 60);

        Assert.Equal(late, again);
        var overlap = late.Where(b => b.OpenTime <= early[^1].OpenTime).ToArray();
        Assert.Equal(50, overlap.Length);
        Assert.Equal(early[^overlap.Length..], overlap);
    }

    [Fact]
    public void Bars_are_stamped_by_open_time_and_are_consistent_candles()
    {
        var bars = new MarketWalk(MarketEmulators.DefaultSeed).Bars("ETH", "4h", s_now, 200);

        Assert.Equal(new DateTimeOffset(2026, 11, 24, 8, 0, 0, TimeSpan.Zero), bars[^1].OpenTime);
        for (var i = 0; i < bars.Length; i++)
        {
            var bar = bars[i];
            Assert.True(bar.Low <= Math.Min(bar.Open, bar.Close) && bar.High >= Math.Max(bar.Open, bar.Close) && bar.Low > 0);
            Assert.InRange(bar.Buy, 0, bar.Volume);
            if (i > 0)
            {
                Assert.Equal(bars[i - 1].Close, bar.Open);
                Assert.Equal(TimeSpan.FromHours(4), bar.OpenTime - bars[i - 1].OpenTime);
            }
        }
    }

    [Fact]
    public void Symbols_and_seeds_give_different_markets()
    {
        var walk = new MarketWalk(MarketEmulators.DefaultSeed);

        Assert.NotEqual(walk.Bars("BTC", "1h", s_now, 5), walk.Bars("SOL", "1h", s_now, 5));
        Assert.NotEqual(walk.Bars("BTC", "1h", s_now, 5), new MarketWalk(1).Bars("BTC", "1h", s_now, 5));
    }
}
