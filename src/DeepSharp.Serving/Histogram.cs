using System.Globalization;
using System.Text;

namespace DeepSharp.Serving;

/// <summary>A Prometheus histogram: cumulative counts per upper bound, their sum and count; safe from many threads.</summary>
internal sealed class Histogram(double[] bounds)
{
    private readonly long[] _counts = new long[bounds.Length + 1];
    private long _count;
    private long _sumMicros; // sums are kept in millionths, so that they can be added atomically

    public void Observe(double value)
    {
        int i = 0;
        while (i < bounds.Length && value > bounds[i]) i++;
        Interlocked.Increment(ref _counts[i]);
        Interlocked.Increment(ref _count);
        Interlocked.Add(ref _sumMicros, (long)Math.Round(value * 1e6));
    }

    public long Count => Interlocked.Read(ref _count);

    /// <summary>Appends the _bucket, _sum and _count lines of <paramref name="name"/> with <paramref name="labels"/> (e.g. <c>route="/v1/predict"</c>, or empty).</summary>
    public void Write(StringBuilder text, string name, string labels)
    {
        string prefix = labels.Length == 0 ? "" : labels + ",";
        long cumulative = 0;
        for (int i = 0; i <= bounds.Length; i++)
        {
            cumulative += Interlocked.Read(ref _counts[i]);
            string le = i < bounds.Length ? bounds[i].ToString("R", CultureInfo.InvariantCulture) : "+Inf";
            text.Append(CultureInfo.InvariantCulture, $"{name}_bucket{{{prefix}le=\"{le}\"}} {cumulative}\n");
        }
        string braces = labels.Length == 0 ? "" : "{" + labels + "}";
        text.Append(CultureInfo.InvariantCulture, $"{name}_sum{braces} {(Interlocked.Read(ref _sumMicros) / 1e6).ToString("R", CultureInfo.InvariantCulture)}\n");
        text.Append(CultureInfo.InvariantCulture, $"{name}_count{braces} {cumulative}\n");
    }
}
