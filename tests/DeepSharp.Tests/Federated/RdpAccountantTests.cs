using DeepSharp.Federated;

namespace DeepSharp.Tests.Federated;

/// <summary>
/// The RDP accountant against published figures: TensorFlow Privacy's own tests of <c>compute_rdp</c>,
/// <c>get_privacy_spent</c> and <c>compute_dp_sgd_privacy</c>, its MNIST tutorial's table, and the ε of Abadi et
/// al. (2016); plus the closed forms (no sampling, no data), log erfc, and the properties every accountant has.
/// </summary>
public sealed class RdpAccountantTests
{
    /// <summary>TF Privacy's MNIST tutorial (tutorials/README.md) used orders 1.1 to 10.9 by tenths, then 12 to 63.</summary>
    private static readonly double[] TutorialOrders = [.. Enumerable.Range(1, 99).Select(x => 1 + x / 10.0), .. Enumerable.Range(12, 52).Select(a => (double)a)];

    [Fact]
    public void RdpMatchesTensorFlowPrivacysComputeRdpTests()
    {
        // rdp_accountant_test.py: test_compute_rdp_scalar, test_compute_rdp_sequence (fractional orders use log erfc).
        Assert.Equal(0.07737, 10 * RdpAccountant.SampledGaussian(0.1, 2, 5), 5);
        double[] orders = [1.5, 2.5, 5, 50, 100], expected = [0.00065, 0.001085, 0.00218075, 0.023846, 167.416307];
        for (int k = 0; k < orders.Length; k++)
            Assert.True(Math.Abs(50 * RdpAccountant.SampledGaussian(0.01, 2.5, orders[k]) - expected[k]) < 1e-5,
                $"order {orders[k]}: {50 * RdpAccountant.SampledGaussian(0.01, 2.5, orders[k])}, TF Privacy {expected[k]}");
        Assert.Equal(double.PositiveInfinity, RdpAccountant.SampledGaussian(0.01, 2.5, double.PositiveInfinity));
    }

    [Fact]
    public void NoSamplingIsTheGaussianMechanismAndNoDataCostsNothing()
    {
        Assert.Equal(0.1, RdpAccountant.SampledGaussian(1, 10, 20), 15);   // α / (2z²)
        Assert.Equal(0, RdpAccountant.SampledGaussian(0, 10, 20));
        Assert.Equal(double.PositiveInfinity, RdpAccountant.SampledGaussian(0.5, 0, 2)); // no noise
        var (epsilon, _) = RdpAccountant.Epsilon(0.1, 0, 10, 1e-5);
        Assert.Equal(double.PositiveInfinity, epsilon);
    }

    [Fact]
    public void EpsilonMatchesTensorFlowPrivacysConversionTests()
    {
        // test_get_privacy_spent_check_target_delta: constant RDP 1.1 on orders 2..32 is pure DP; the largest order wins.
        double[] orders = [.. Enumerable.Range(2, 31).Select(a => (double)a)];
        var (epsilon, order) = RdpAccountant.Epsilon(orders, [.. orders.Select(_ => 1.1)], 1e-5);
        Assert.Equal(1.32783806176, epsilon, 9);
        Assert.Equal(32, order);
        // The Gaussian mechanism whose scale gives exactly (1, 1e-6)-DP, on a fine grid of orders.
        double[] fine = [.. Enumerable.Range(1000, 99_000).Select(i => 0.001 * i).Where(a => a > 1)];
        var gaussian = RdpAccountant.Epsilon(fine, [.. fine.Select(a => RdpAccountant.SampledGaussian(1, 4.530877117, a))], 1e-6);
        Assert.Equal(1, gaussian.Epsilon, 7);
    }

    [Theory]
    [InlineData(60000, 150, 1.3, 15, 1e-5, 0.7242234026109595, 19)]
    [InlineData(100000, 100, 1.0, 30, 1e-7, 1.4154988495444845, 13)]
    public void EpsilonMatchesComputeDpSgdPrivacy(int n, int batch, double noise, int epochs, double delta, double expected, double expectedOrder)
    {
        // compute_dp_sgd_privacy_test.py: q = batch / n, steps = ⌈epochs · n / batch⌉, its default orders.
        var (epsilon, order) = RdpAccountant.Epsilon((double)batch / n, noise, (long)Math.Ceiling((double)epochs * n / batch), delta);
        Assert.Equal(expected, epsilon, 9);
        Assert.Equal(expectedOrder, order);
    }

    [Theory]
    [InlineData(1.12, 60, 2.92)]
    [InlineData(0.6, 30, 9.74)]
    [InlineData(1.2, 10, 1.20)]
    public void ClassicEpsilonReproducesTheTfPrivacyMnistTutorialTable(double noise, int epochs, double published)
    {
        // 256 of 60,000 per step, 234 steps an epoch, δ = 1e-5; the table was made with the classical conversion.
        var accountant = new RdpAccountant(256.0 / 60000, noise, TutorialOrders);
        accountant.Step(epochs * (60000 / 256));
        var (epsilon, _) = RdpAccountant.ClassicEpsilon(accountant.Orders, accountant.Rdp(), 1e-5);
        Assert.True(Math.Abs(epsilon - published) < 0.01, $"z {noise}, {epochs} epochs: ε {epsilon:F4}, the tutorial's {published}");
        Assert.True(accountant.GetEpsilon(1e-5).Epsilon < epsilon, "the improved conversion is tighter");
    }

    [Fact]
    public void AbadiEtAlsMomentsAccountantExample()
    {
        // Abadi et al. 2016, §3.1: q = 0.01, σ = 4, δ = 1e-5, T = 10,000 steps: ε ≈ 1.26 by the moments accountant.
        var accountant = new RdpAccountant(0.01, 4);
        accountant.Step(10_000);
        var (classic, _) = RdpAccountant.ClassicEpsilon(accountant.Orders, accountant.Rdp(), 1e-5);
        Assert.Equal(1.26, classic, 2);
        var (improved, _) = accountant.GetEpsilon(1e-5);
        Assert.InRange(improved, 1.0, 1.07); // 1.035: the conversion of Canonne et al. (2020) is tighter
    }

    [Fact]
    public void EpsilonGrowsWithStepsAndSamplingAndShrinksWithNoise()
    {
        double Eps(double q, double z, long steps) => RdpAccountant.Epsilon(q, z, steps, 1e-5).Epsilon;
        Assert.Equal(0, Eps(0.1, 1, 0));
        double previous = 0;
        foreach (long steps in new long[] { 1, 10, 100, 1000 })
        {
            double e = Eps(0.1, 1, steps);
            Assert.True(e > previous, $"{steps} steps: ε {e} after {previous}");
            previous = e;
        }
        Assert.True(Eps(0.2, 1, 100) > Eps(0.1, 1, 100));
        Assert.True(Eps(0.1, 2, 100) < Eps(0.1, 1, 100));
        // Stateful and one-shot agree; EpsilonAfter ignores the steps taken.
        var accountant = new RdpAccountant(0.1, 1);
        for (int i = 0; i < 100; i++) accountant.Step();
        Assert.Equal(Eps(0.1, 1, 100), accountant.GetEpsilon(1e-5).Epsilon);
        Assert.Equal(Eps(0.1, 1, 37), accountant.EpsilonAfter(37, 1e-5));
    }

    [Fact]
    public void RdpIsNonDecreasingInTheOrderAcrossIntegerAndFractionalOrders()
    {
        foreach (var (q, z) in new[] { (0.01, 0.8), (0.1, 1.1), (0.3, 2.0), (1e-4, 0.5) })
        {
            double previous = 0;
            foreach (double a in RdpAccountant.DefaultOrders)
            {
                double r = RdpAccountant.SampledGaussian(q, z, a);
                Assert.True(r >= previous * (1 - 1e-9), $"q {q}, z {z}: RDP {r} at order {a} below {previous} before it");
                Assert.True(r <= a / (2 * z * z) * (1 + 1e-9), $"q {q}, z {z}: RDP {r} at order {a} above the unsampled mechanism's");
                previous = r;
            }
        }
    }

    [Fact]
    public void LogErfcMatchesKnownValuesIncludingTheFarTail()
    {
        (double X, double Erfc)[] known = [(0, 1), (0.5, 0.4795001221869535), (1, 0.1572992070502851), (1.9, 0.007209570764742524),
            (2, 0.004677734981047266), (3, 2.209049699858544e-5), (5, 1.537459794428035e-12), (-1, 1.842700792949715), (-3, 1.999977909503001)];
        foreach (var (x, erfc) in known)
            Assert.True(Math.Abs(LogErfc.Of(x) - Math.Log(erfc)) < 1e-12, $"log erfc({x}) = {LogErfc.Of(x)}, expected {Math.Log(erfc)}");
        // erfc(30) ≈ 2.56e-393 is below double's range; its log is -x² - log(x√π) - 1/(2x²) + ...
        double far = -900 - Math.Log(30 * Math.Sqrt(Math.PI)) - 0.5 / 900 + 0.625 / 810_000 - 37.0 / 24 / 729_000_000;
        Assert.Equal(far, LogErfc.Of(30), 9);
    }

    [Fact]
    public void BadInputsAreRefusedByName()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new RdpAccountant(1.5, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RdpAccountant(0.1, -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RdpAccountant(0.1, 1, [2, 1]));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RdpAccountant(0.1, 1).GetEpsilon(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RdpAccountant(0.1, 1).Step(-1));
        var e = Assert.Throws<ArgumentException>(() => RdpAccountant.Epsilon([2, 3], [0.1], 1e-5));
        Assert.Contains("2 orders and 1 RDP values", e.Message);
        Assert.Throws<ArgumentException>(() => RdpAccountant.Epsilon([2], [-0.1], 1e-5));
    }
}
