using DeepSharp.Kernels.Cpu;
using DeepSharp.Kernels.Cpu.Reference;

namespace DeepSharp.KernelCheck;

/// <summary>Zero padding and cropping against their twin, with awkward sizes and margins.</summary>
public static class Pad2DChecks
{
    private static readonly int[] Channels = [0, 1, 3, 8, 16, 17, 33];
    private static readonly (int Top, int Bottom, int Left, int Right)[] Margins =
        [(0, 0, 0, 0), (1, 1, 1, 1), (2, 0, 0, 3), (0, 1, 4, 0), (3, 2, 1, 5)];

    private static IEnumerable<Pad2DGeometry> Geometries()
    {
        int i = 0;
        foreach (var (t, b, l, r) in Margins)
            for (int j = 0; j < 6; j++, i++)
            {
                int batch = j % 3, c = Channels[(i + j) % Channels.Length];
                int h = 1 + (i * 5 + j) % 9, w = 1 + (i * 7 + 2 * j) % 9;
                yield return Pad2DGeometry.Padding(batch, h, w, c, t, b, l, r);
                if (t + b <= h && l + r <= w) yield return Pad2DGeometry.Cropping(batch, h, w, c, t, b, l, r);
            }
        yield return new Pad2DGeometry(2, 4, 5, 3, 6, 3, 1, -2); // pads rows, crops columns
        yield return new Pad2DGeometry(1, 3, 3, 2, 4, 4, 9, 9);   // the window misses the input: all zeros
    }

    public static void ForwardAndBackwardMatchTwin()
    {
        int seed = 0;
        foreach (var g in Geometries())
        {
            var x = Check.Random(g.InputLength, ++seed);
            var y1 = new float[g.OutputLength];
            var y2 = Check.Random(g.OutputLength, ++seed); // must be overwritten
            NaivePad2D.Forward(x, y1, g);
            Pad2DKernel.Forward(x, y2, g);
            Check.Equal<float>(y1, y2, $"Pad2D forward {g}");

            var dy = Check.Random(g.OutputLength, ++seed);
            var dx1 = Check.Random(g.InputLength, ++seed);
            var dx2 = (float[])dx1.Clone();
            NaivePad2D.Backward(dy, dx1, g);
            Pad2DKernel.Backward(dy, dx2, g);
            Check.Equal<float>(dx1, dx2, $"Pad2D backward {g}");
        }
    }

    public static void BadGeometriesAreRefused()
    {
        foreach (var make in new Func<Pad2DGeometry>[]
        {
            () => Pad2DGeometry.Cropping(1, 3, 3, 1, 2, 2, 0, 0),                  // crops more rows than there are
            () => Pad2DGeometry.Padding(1, 3, 3, 1, -1, 0, 0, 0),                  // negative padding
            () => Pad2DGeometry.Padding(1, 3, 3, 1, int.MaxValue, 0, 0, 0),        // padded size beyond 2^31 − 1
            () => Pad2DGeometry.Padding(1 << 16, 1 << 8, 1 << 8, 1, 0, 0, 0, 0),   // input length beyond 2^31 − 1
            () => Validated(new Pad2DGeometry(1, 3, 3, 1, 3, 3, int.MinValue, 0)), // an offset whose magnitude is not an int
        })
        {
            try
            {
                make();
            }
            catch (ArgumentException)
            {
                continue;
            }
            throw new CheckFailedException("Pad2D: a bad geometry was not refused.");
        }
    }

    private static Pad2DGeometry Validated(Pad2DGeometry g)
    {
        g.Validate();
        return g;
    }
}
