namespace DeepSharp.Serving.Tests;

/// <summary>Polls a condition that another thread makes true, with a generous limit instead of a guess at timing.</summary>
internal static class Waiting
{
    public static async Task Until(Func<bool> condition, string what, double seconds = 30)
    {
        var limit = DateTime.UtcNow.AddSeconds(seconds);
        while (!condition())
        {
            if (DateTime.UtcNow > limit) throw new TimeoutException($"waited {seconds} s for: {what}");
            await Task.Delay(5);
        }
    }
}
