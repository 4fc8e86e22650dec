using DeepSharp.Kernels.Cpu;
using DeepSharp.Kernels.Cpu.Reference;

namespace DeepSharp.KernelCheck;

/// <summary>Affine image transforms (bilinear, reflect/constant fill) against their twin.</summary>
public static class ImageTransformChecks
{
    /// <summary>Identity, flips, a rotation, a shift far outside the image, a zoom out.</summary>
    private static float[] Transform(int kind, int h, int w, Random rng) => kind switch
    {
        0 => [1, 0, 0, 0, 1, 0],
        1 => [-1, 0, w - 1, 0, -1, h - 1],
        2 => RotationAbout(0.3 + rng.NextDouble(), h, w),
        3 => [1, 0, -2.5f * w, 0, 1, 1.7f * h],
        _ => [1.4f, 0, -0.2f * (w - 1), 0, 1.3f, -0.15f * (h - 1)],
    };

    private static float[] RotationAbout(double angle, int h, int w)
    {
        float c = (float)Math.Cos(angle), s = (float)Math.Sin(angle);
        return [c, -s, ((w - 1) - (c * (w - 1) - s * (h - 1))) / 2f, s, c, ((h - 1) - (s * (w - 1) + c * (h - 1))) / 2f];
    }

    /// <summary>The affine transforms with a perspective row (c0, c1): none, a mild tilt, a strong one.</summary>
    private static float[] Projective(int kind, int h, int w, Random rng) =>
        [.. Transform(kind, h, w, rng), .. (kind % 3) switch { 0 => new[] { 0f, 0f }, 1 => [0.05f, -0.03f], _ => [-0.2f * (float)rng.NextDouble(), 0.15f] }];

    public static void ForwardAndBackwardMatchTwin()
    {
        int seed = 0;
        foreach (var (projective, nearest) in new[] { (false, false), (true, false), (false, true), (true, true) })
            foreach (var mode in new[] { EdgeFill.Reflect, EdgeFill.Constant })
                foreach (var (h, w) in new[] { (1, 1), (2, 3), (5, 4), (7, 7) })
                    foreach (int channels in new[] { 0, 1, 3, 16, 17 })
                    {
                        var rng = new Random(++seed);
                        int batch = 5;
                        var g = new ImageTransformGeometry(batch, h, w, channels, mode, mode == EdgeFill.Constant ? 0.25f : 0f, projective, nearest);
                        var transforms = new float[g.TransformLength];
                        for (int n = 0; n < batch; n++)
                            (projective ? Projective(n, h, w, rng) : Transform(n, h, w, rng)).CopyTo(transforms, n * g.TransformSize);
                        var x = Check.Random(g.Length, ++seed);
                        var y1 = new float[g.Length]; var y2 = Check.Random(g.Length, ++seed);
                        NaiveImageTransform.Forward(x, transforms, y1, g);
                        ImageTransformKernel.Forward(x, transforms, y2, g);
                        Check.Close(y1, y2, 1e-5f, 1e-6f, $"ImageTransform forward {g}");
                        var dy = Check.Random(g.Length, ++seed);
                        var dx1 = Check.Random(g.Length, ++seed); var dx2 = (float[])dx1.Clone();
                        NaiveImageTransform.Backward(dy, transforms, dx1, g);
                        ImageTransformKernel.Backward(dy, transforms, dx2, g);
                        Check.Close(dx1, dx2, 1e-5f, 1e-5f, $"ImageTransform backward {g}");
                    }
    }

    public static void FlipIsExactAndReflectMirrorsTheEdge()
    {
        var g = new ImageTransformGeometry(1, 1, 4, 1, EdgeFill.Reflect, 0f);
        var y = new float[4];
        ImageTransformKernel.Forward([1, 2, 3, 4], [-1, 0, 3, 0, 1, 0], y, g);
        Check.Equal<float>([4, 3, 2, 1], y, "horizontal flip");
        ImageTransformKernel.Forward([1, 2, 3, 4], [1, 0, -2, 0, 1, 0], y, g);
        Check.Equal<float>([2, 1, 1, 2], y, "shift right by 2 with reflect (d c b a | a b c d)");
        ImageTransformKernel.Forward([1, 2, 3, 4], [1, 0, 0.5f, 0, 1, 0], y, g with { Nearest = true });
        Check.Equal<float>([2, 3, 4, 4], y, "nearest: x + ½ rounds up to the next pixel; reflect past the end");
        // Projective: x/(0.5·x + 1): pixel 2 reads 1, pixel 3 reads 1.2 (bilinear 2.2); pixel 1 reads ⅔.
        var p = g with { Projective = true, EdgeFill = EdgeFill.Constant };
        ImageTransformKernel.Forward([1, 2, 3, 4], [1, 0, 0, 0, 1, 0, 0.5f, 0], y, p);
        Check.Close([1f, 1f + 2f / 3f, 2f, 2.2f], y, 1e-6f, 1e-6f, "projective x/(x/2 + 1)");
    }
}
