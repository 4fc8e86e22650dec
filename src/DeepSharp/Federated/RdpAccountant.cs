namespace DeepSharp.Federated;

/// <summary>
/// A privacy accountant for the subsampled Gaussian mechanism by Rényi differential privacy (Mironov,
/// "Rényi Differential Privacy", 2017; Mironov, Talwar and Zhang, "Rényi Differential Privacy of the
/// Sampled Gaussian Mechanism", 2019), as TensorFlow Privacy's <c>compute_dp_sgd_privacy</c> and
/// <c>RdpAccountant</c> compute it: each step samples every record (a client, in federated learning)
/// with probability q and adds Gaussian noise of standard deviation z × the sensitivity to the sum.
/// The RDP of the steps adds up; (ε, δ) comes from the best order by the conversion of Canonne, Kamath
/// and Steinke (2020, Proposition 12 of arXiv 2004.00010 v4), tighter than Mironov's ε = RDP − log δ/(α − 1).
/// <code>
/// var accountant = new RdpAccountant(samplingRate: 256.0 / 60000, noiseMultiplier: 1.1);
/// accountant.Step(60 * 60000 / 256);                   // 60 epochs of DP-SGD on MNIST
/// var (epsilon, order) = accountant.GetEpsilon(1e-5);  // ≈ 3.0 at order 9
/// </code>
/// </summary>
/// <remarks>
/// Implementation notes: at an integer order α the RDP is log A_α / (α − 1) with
/// A_α = Σᵢ C(α, i) qⁱ (1 − q)^(α−i) exp((i² − i)/(2z²)) (Mironov et al. 2019, Theorem 9), summed in log
/// space; at a fractional order the two-sided series of their Section 3.3, whose terms use log erfc
/// (<see cref="LogErfc"/>), summed until both terms fall below e^−30. The orders by default are
/// <c>compute_dp_sgd_privacy</c>'s: 1.25 to 4.5 in quarters and halves, 5 to 63, 128, 256, 512.
/// </remarks>
public sealed class RdpAccountant
{
    private readonly double[] _orders, _perStep;

    /// <summary>The RDP orders α tried by default: TensorFlow Privacy's <c>compute_dp_sgd_privacy</c> list.</summary>
    public static IReadOnlyList<double> DefaultOrders { get; } =
        [1.25, 1.5, 1.75, 2, 2.25, 2.5, 3, 3.5, 4, 4.5, .. Enumerable.Range(5, 59).Select(a => (double)a), 128, 256, 512];

    /// <summary>An accountant with no steps yet.</summary>
    /// <param name="samplingRate">q: the probability each record takes part in a step, in [0, 1].</param>
    /// <param name="noiseMultiplier">z: the noise's standard deviation over the sensitivity (the clip norm); 0: no noise, ε = ∞.</param>
    /// <param name="orders">The RDP orders α (each above 1) to take the best of; null: <see cref="DefaultOrders"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException">q outside [0, 1], z negative or not finite, an order not above 1, or no orders.</exception>
    public RdpAccountant(double samplingRate, double noiseMultiplier, IReadOnlyList<double>? orders = null)
    {
        if (!(samplingRate >= 0 && samplingRate <= 1))
            throw new ArgumentOutOfRangeException(nameof(samplingRate), samplingRate, "RdpAccountant: the sampling rate q must be in [0, 1].");
        if (!(noiseMultiplier >= 0) || double.IsInfinity(noiseMultiplier))
            throw new ArgumentOutOfRangeException(nameof(noiseMultiplier), noiseMultiplier, "RdpAccountant: the noise multiplier z must be finite and not negative.");
        _orders = [.. orders ?? DefaultOrders];
        if (_orders.Length == 0) throw new ArgumentOutOfRangeException(nameof(orders), "RdpAccountant: no RDP orders.");
        foreach (double a in _orders)
            if (!(a > 1)) throw new ArgumentOutOfRangeException(nameof(orders), a, "RdpAccountant: every RDP order must be above 1.");
        (SamplingRate, NoiseMultiplier) = (samplingRate, noiseMultiplier);
        _perStep = Array.ConvertAll(_orders, a => SampledGaussian(samplingRate, noiseMultiplier, a));
    }

    /// <summary>q: the probability each record takes part in a step.</summary>
    public double SamplingRate { get; }

    /// <summary>z: the noise's standard deviation over the sensitivity.</summary>
    public double NoiseMultiplier { get; }

    /// <summary>The RDP orders α tried.</summary>
    public IReadOnlyList<double> Orders => _orders;

    /// <summary>The steps accounted so far.</summary>
    public long Steps { get; private set; }

    /// <summary>Accounts <paramref name="count"/> more steps.</summary>
    /// <exception cref="ArgumentOutOfRangeException">count is negative.</exception>
    public void Step(long count = 1)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        Steps += count;
    }

    /// <summary>The RDP of the steps so far at each of <see cref="Orders"/> (∞ where it is unbounded).</summary>
    public double[] Rdp() => RdpAfter(Steps);

    /// <summary>The RDP of <paramref name="steps"/> steps at each of <see cref="Orders"/>, whatever <see cref="Steps"/> is.</summary>
    /// <param name="steps">The steps, not negative.</param>
    /// <exception cref="ArgumentOutOfRangeException">steps is negative.</exception>
    public double[] RdpAfter(long steps)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(steps);
        return Array.ConvertAll(_perStep, r => steps == 0 || r == 0 ? 0 : r * steps);
    }

    /// <summary>The ε of the steps so far at <paramref name="delta"/>, and the order that gives it.</summary>
    /// <param name="delta">δ, in (0, 1); typically below 1 / (the number of records).</param>
    /// <exception cref="ArgumentOutOfRangeException">δ is not in (0, 1).</exception>
    public (double Epsilon, double Order) GetEpsilon(double delta) => Epsilon(_orders, Rdp(), delta);

    /// <summary>The ε of <paramref name="steps"/> steps at <paramref name="delta"/>, whatever <see cref="Steps"/> is.</summary>
    /// <param name="steps">The steps, not negative.</param>
    /// <param name="delta">δ, in (0, 1).</param>
    /// <exception cref="ArgumentOutOfRangeException">steps is negative or δ is not in (0, 1).</exception>
    public double EpsilonAfter(long steps, double delta) => Epsilon(_orders, RdpAfter(steps), delta).Epsilon;

    /// <summary>
    /// The ε of <paramref name="steps"/> steps of the subsampled Gaussian mechanism at <paramref name="delta"/>:
    /// what <c>compute_dp_sgd_privacy(n, batch_size, noise_multiplier, epochs, delta)</c> prints, with q = batch / n
    /// and steps = ⌈epochs · n / batch⌉.
    /// </summary>
    /// <param name="samplingRate">q.</param>
    /// <param name="noiseMultiplier">z.</param>
    /// <param name="steps">The steps (rounds).</param>
    /// <param name="delta">δ.</param>
    /// <param name="orders">The RDP orders; null: <see cref="DefaultOrders"/>.</param>
    public static (double Epsilon, double Order) Epsilon(double samplingRate, double noiseMultiplier, long steps, double delta, IReadOnlyList<double>? orders = null)
    {
        var accountant = new RdpAccountant(samplingRate, noiseMultiplier, orders);
        accountant.Step(steps);
        return accountant.GetEpsilon(delta);
    }

    /// <summary>
    /// The RDP at order <paramref name="order"/> of one step of the Gaussian mechanism with noise multiplier
    /// <paramref name="noiseMultiplier"/> on a Poisson sample of rate <paramref name="samplingRate"/>
    /// (TensorFlow Privacy's <c>compute_rdp(q, z, 1, order)</c>): α / (2z²) when q = 1, 0 when q = 0.
    /// </summary>
    /// <param name="samplingRate">q, in [0, 1].</param>
    /// <param name="noiseMultiplier">z, not negative (0 gives ∞).</param>
    /// <param name="order">α, above 1 (∞ gives ∞).</param>
    /// <exception cref="ArgumentOutOfRangeException">q, z or α out of range.</exception>
    public static double SampledGaussian(double samplingRate, double noiseMultiplier, double order)
    {
        if (!(samplingRate >= 0 && samplingRate <= 1)) throw new ArgumentOutOfRangeException(nameof(samplingRate), samplingRate, "The sampling rate q must be in [0, 1].");
        if (!(noiseMultiplier >= 0)) throw new ArgumentOutOfRangeException(nameof(noiseMultiplier), noiseMultiplier, "The noise multiplier z must not be negative.");
        if (!(order > 1)) throw new ArgumentOutOfRangeException(nameof(order), order, "The RDP order α must be above 1.");
        if (samplingRate == 0) return 0;
        if (noiseMultiplier == 0 || double.IsPositiveInfinity(order)) return double.PositiveInfinity;
        if (samplingRate == 1) return order / (2 * noiseMultiplier * noiseMultiplier);
        double logA = order == Math.Floor(order) && order < int.MaxValue
            ? LogAInteger(samplingRate, noiseMultiplier, (int)order)
            : LogAFractional(samplingRate, noiseMultiplier, order);
        return logA / (order - 1);
    }

    /// <summary>
    /// The smallest ε over the orders for RDP values <paramref name="rdp"/> at <paramref name="delta"/>, and its order:
    /// ε(α) = RDP(α) + log(1 − 1/α) − log(δα)/(α − 1) (orders above 1.01), or 0 where the KL bound
    /// δ ≤ √(1 − e^−RDP) already gives δ.
    /// </summary>
    /// <param name="orders">The orders α.</param>
    /// <param name="rdp">The RDP at each order (not negative; ∞ allowed).</param>
    /// <param name="delta">δ, in (0, 1).</param>
    /// <exception cref="ArgumentException">The lists differ in length, are empty, or an RDP value is negative.</exception>
    /// <exception cref="ArgumentOutOfRangeException">δ is not in (0, 1).</exception>
    public static (double Epsilon, double Order) Epsilon(IReadOnlyList<double> orders, IReadOnlyList<double> rdp, double delta)
    {
        CheckInputs(orders, rdp, delta);
        double best = double.PositiveInfinity, bestOrder = orders[0];
        for (int k = 0; k < orders.Count; k++)
        {
            double a = orders[k], r = rdp[k];
            double epsilon;
            if (delta * delta + Expm1(-r) > 0) epsilon = 0; // the KL bound: δ ≤ √(1 − e^−RDP) is met with ε = 0
            else if (a > 1.01) epsilon = r + Log1p(-1 / a) - Math.Log(delta * a) / (a - 1);
            else epsilon = double.PositiveInfinity;
            if (epsilon < best) (best, bestOrder) = (epsilon, a);
        }
        return (Math.Max(0, best), bestOrder);
    }

    /// <summary>
    /// The classical conversion, ε = min over α of RDP(α) − log δ/(α − 1) (Mironov 2017, Proposition 3): what the moments
    /// accountant of Abadi et al. (2016) and TensorFlow Privacy before 2020 reported, kept to compare with their published
    /// figures; looser than <see cref="Epsilon(IReadOnlyList{double}, IReadOnlyList{double}, double)"/>.
    /// </summary>
    /// <param name="orders">The orders α.</param>
    /// <param name="rdp">The RDP at each order.</param>
    /// <param name="delta">δ, in (0, 1).</param>
    /// <exception cref="ArgumentException">The lists differ in length, are empty, or an RDP value is negative.</exception>
    /// <exception cref="ArgumentOutOfRangeException">δ is not in (0, 1).</exception>
    public static (double Epsilon, double Order) ClassicEpsilon(IReadOnlyList<double> orders, IReadOnlyList<double> rdp, double delta)
    {
        CheckInputs(orders, rdp, delta);
        double best = double.PositiveInfinity, bestOrder = orders[0];
        for (int k = 0; k < orders.Count; k++)
        {
            double epsilon = rdp[k] - Math.Log(delta) / (orders[k] - 1);
            if (epsilon < best) (best, bestOrder) = (epsilon, orders[k]);
        }
        return (best, bestOrder);
    }

    private static void CheckInputs(IReadOnlyList<double> orders, IReadOnlyList<double> rdp, double delta)
    {
        ArgumentNullException.ThrowIfNull(orders);
        ArgumentNullException.ThrowIfNull(rdp);
        if (!(delta > 0 && delta < 1)) throw new ArgumentOutOfRangeException(nameof(delta), delta, "δ must be in (0, 1).");
        if (orders.Count != rdp.Count || orders.Count == 0)
            throw new ArgumentException($"RdpAccountant: {orders.Count} orders and {rdp.Count} RDP values; they must be as many, and at least one.", nameof(rdp));
        for (int k = 0; k < rdp.Count; k++)
            if (!(rdp[k] >= 0)) throw new ArgumentException($"RdpAccountant: the RDP at order {orders[k]} is {rdp[k]}; it cannot be negative.", nameof(rdp));
    }

    /// <summary>log A_α at an integer α ≥ 2: Σᵢ C(α, i) qⁱ (1 − q)^(α−i) exp((i² − i)/(2z²)), in log space.</summary>
    private static double LogAInteger(double q, double z, int alpha)
    {
        double logQ = Math.Log(q), log1mQ = Math.Log(1 - q), logA = double.NegativeInfinity, logBinomial = 0;
        for (int i = 0; i <= alpha; i++)
        {
            if (i > 0) logBinomial += Math.Log((double)(alpha - i + 1) / i);
            double s = logBinomial + i * logQ + (alpha - i) * log1mQ + (i * (double)i - i) / (2 * z * z);
            logA = LogAdd(logA, s);
        }
        return logA;
    }

    /// <summary>log A_α at a fractional α: the integrals over (−∞, z₀] and [z₀, ∞) as alternating series in log erfc (Mironov et al. 2019, §3.3).</summary>
    private static double LogAFractional(double q, double z, double alpha)
    {
        double logA0 = double.NegativeInfinity, logA1 = double.NegativeInfinity;
        double z0 = z * z * Math.Log(1 / q - 1) + 0.5;
        double logQ = Math.Log(q), log1mQ = Math.Log(1 - q), coefficient = 1;
        for (int i = 0; ; i++)
        {
            if (i > 0) coefficient *= (alpha - i + 1) / i; // C(α, i), negative for some i > α
            double logCoefficient = Math.Log(Math.Abs(coefficient)), j = alpha - i;
            double logT0 = logCoefficient + i * logQ + j * log1mQ;
            double logT1 = logCoefficient + j * logQ + i * log1mQ;
            double logE0 = Math.Log(0.5) + LogErfc.Of((i - z0) / (Math.Sqrt(2) * z));
            double logE1 = Math.Log(0.5) + LogErfc.Of((z0 - j) / (Math.Sqrt(2) * z));
            double logS0 = logT0 + (i * (double)i - i) / (2 * z * z) + logE0;
            double logS1 = logT1 + (j * j - j) / (2 * z * z) + logE1;
            if (coefficient > 0)
            {
                logA0 = LogAdd(logA0, logS0);
                logA1 = LogAdd(logA1, logS1);
            }
            else
            {
                logA0 = LogSubtract(logA0, logS0);
                logA1 = LogSubtract(logA1, logS1);
            }
            if (Math.Max(logS0, logS1) < -30 || i > 100_000) break;
        }
        return LogAdd(logA0, logA1);
    }

    private static double LogAdd(double logX, double logY)
    {
        double a = Math.Min(logX, logY), b = Math.Max(logX, logY);
        return double.IsNegativeInfinity(a) ? b : Log1p(Math.Exp(a - b)) + b;
    }

    /// <summary>log(eˣ − eʸ); the series' partial sums stay positive, so x &gt; y but for rounding, which gives 0 (−∞).</summary>
    private static double LogSubtract(double logX, double logY)
    {
        if (double.IsNegativeInfinity(logY)) return logX;
        if (logX <= logY) return double.NegativeInfinity;
        return Math.Log(-Expm1(logY - logX)) + logX; // log(eˣ(1 − e^(y−x)))
    }

    /// <summary>log(1 + x), accurate for small x (Kahan's correction of the rounded 1 + x).</summary>
    internal static double Log1p(double x)
    {
        double u = 1 + x;
        return u == 1 ? x : Math.Log(u) * x / (u - 1);
    }

    /// <summary>eˣ − 1, accurate for small x (Kahan's correction by the rounded eˣ's own log).</summary>
    internal static double Expm1(double x)
    {
        double u = Math.Exp(x);
        if (u == 1) return x;
        double um1 = u - 1;
        return um1 == -1 ? -1 : um1 * x / Math.Log(u);
    }
}
