using DeepSharp.Kernels.Cpu;
using DeepSharp.Kernels.Cpu.Simd;

namespace DeepSharp.KernelCheck;

/// <summary>
/// The update driver against a plain loop over each update operator's scalar <c>Invoke</c>, bit
/// for bit, with 0 to 3 state streams: the lengths, misalignments and guards of
/// <see cref="ElementwiseDriverChecks"/>.
/// </summary>
public static class UpdateDriverChecks
{
    public static void OptimizerOperatorsMatchTheirScalarForm()
    {
        Update(new SgdOperator(0.1f), 0, nameof(SgdOperator));
        Update(new MomentumSgdOperator(0.1f, 0.9f, nesterov: false), 1, nameof(MomentumSgdOperator));
        Update(new MomentumSgdOperator(0.1f, 0.9f, nesterov: true), 1, nameof(MomentumSgdOperator) + " nesterov");
        Update(new AdagradOperator(0.01f, 1e-7f), 1, nameof(AdagradOperator));
        Update(new AdamOperator(1e-3f, 0.1f, 0.001f, 1e-7f), 2, nameof(AdamOperator));
        Update(new LionOperator(1e-3f, 0.9f, 0.99f, 0.1f, 0.01f), 1, nameof(LionOperator));
        Update(new AdamaxOperator(1e-3f, 0.1f, 0.999f, 1e-7f, 0.19f), 2, nameof(AdamaxOperator));
        Update(new NadamOperator(new NadamStep(1e-3f, 0.1f, 0.001f, 1e-7f, 0.4f, 0.7f, 0.3f, 0.2f, 0.01f)), 2, nameof(NadamOperator));
        Update(new RmsPropOperator(1e-3f, 0.9f, 0.1f, 0f, 1e-7f), 1, nameof(RmsPropOperator));
        Update(new RmsPropOperator(1e-3f, 0.9f, 0.1f, 0.5f, 1e-7f), 2, nameof(RmsPropOperator) + " momentum");
        Update(new CenteredRmsPropOperator(1e-3f, 0.9f, 0.1f, 0f, 1e-7f), 2, nameof(CenteredRmsPropOperator));
        Update(new CenteredRmsPropOperator(1e-3f, 0.9f, 0.1f, 0.5f, 1e-7f), 3, nameof(CenteredRmsPropOperator) + " momentum");
    }

    /// <summary>Each overload moves exactly its streams: a test operator that writes every state it is given.</summary>
    public static void EveryStateCountReadsAndWritesItsStreams()
    {
        for (int states = 0; states <= 3; states++) Update(default(AllStreamsOperator), states, $"{nameof(AllStreamsOperator)} states={states}");
    }

    private static void Update<T>(T op, int states, string name) where T : struct, IUpdateOperator
    {
        foreach (int n in DriverData.Lengths)
            for (int variant = 0; variant < DriverData.Offsets.Length; variant++)
            {
                var offsets = new int[5];
                var actual = new float[5][];
                for (int k = 0; k < 5; k++)
                {
                    offsets[k] = ElementwiseDriverChecks.Offset(variant, k);
                    actual[k] = DriverData.Buffer(n, offsets[k], (2 * k + 1) * n + variant);
                }
                var expected = new float[5][];
                for (int k = 0; k < 5; k++) expected[k] = actual[k].AsSpan(offsets[k], n).ToArray();
                for (int i = 0; i < n; i++)
                {
                    float s1 = states > 0 ? expected[2][i] : 0f, s2 = states > 1 ? expected[3][i] : 0f, s3 = states > 2 ? expected[4][i] : 0f;
                    op.Invoke(ref expected[0][i], expected[1][i], ref s1, ref s2, ref s3);
                    if (states > 0) expected[2][i] = s1;
                    if (states > 1) expected[3][i] = s2;
                    if (states > 2) expected[4][i] = s3;
                }

                Span<float> S(int k) => actual[k].AsSpan(offsets[k], n);
                switch (states)
                {
                    case 0: UpdateDriver.Update(op, S(0), S(1)); break;
                    case 1: UpdateDriver.Update(op, S(0), S(1), S(2)); break;
                    case 2: UpdateDriver.Update(op, S(0), S(1), S(2), S(3)); break;
                    default: UpdateDriver.Update(op, S(0), S(1), S(2), S(3), S(4)); break;
                }
                string context = $"{name} n={n} variant={variant}";
                for (int k = 0; k < 5; k++)
                {
                    DriverData.Bits(expected[k], S(k), $"{context} stream {k}");
                    DriverData.CheckGuards(actual[k], offsets[k], n, $"{context} stream {k}");
                }
            }
    }
}
