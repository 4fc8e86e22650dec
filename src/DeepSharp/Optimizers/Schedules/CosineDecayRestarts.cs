namespace DeepSharp.Optimizers.Schedules;

/// <summary>
/// Keras's CosineDecayRestarts (SGDR): cosine decay over a period that starts at
/// <c>firstDecaySteps</c> and is multiplied by tMul after each restart, while the peak is
/// multiplied by mMul. With f = step/firstDecaySteps, restart i = ⌊log(1 − f(1 − tMul))/log tMul⌋
/// (⌊f⌋ when tMul = 1) and the fraction into it is (f − (1 − tMul^i)/(1 − tMul))/tMul^i;
/// lr = initial·((1 − α)·½·mMul^i·(1 + cos(π·fraction)) + α).
/// </summary>
public sealed class CosineDecayRestarts : LearningRateSchedule
{
    public CosineDecayRestarts(float initialLearningRate, int firstDecaySteps, float tMul = 2f, float mMul = 1f, float alpha = 0f)
    {
        RequirePositive(initialLearningRate, nameof(initialLearningRate));
        if (firstDecaySteps <= 0) throw new ArgumentOutOfRangeException(nameof(firstDecaySteps), firstDecaySteps, "firstDecaySteps must be positive.");
        RequirePositive(tMul, nameof(tMul));
        RequireNonNegative(mMul, nameof(mMul));
        (InitialLearningRate, FirstDecaySteps, TMul, MMul, Alpha) = (initialLearningRate, firstDecaySteps, tMul, mMul, alpha);
    }

    public float InitialLearningRate { get; }
    public int FirstDecaySteps { get; }
    public float TMul { get; }
    public float MMul { get; }
    public float Alpha { get; }
    public override string Name => "CosineDecayRestarts";

    public override float Rate(long step)
    {
        double fraction = (double)step / FirstDecaySteps;
        double restart;
        if (TMul == 1f)
        {
            restart = Math.Floor(fraction);
            fraction -= restart;
        }
        else
        {
            restart = Math.Floor(Math.Log(1 - fraction * (1 - TMul)) / Math.Log(TMul));
            double before = (1 - Math.Pow(TMul, restart)) / (1 - TMul);
            fraction = (fraction - before) / Math.Pow(TMul, restart);
        }
        double cosine = 0.5 * Math.Pow(MMul, restart) * (1 + Math.Cos(Math.PI * fraction));
        return (float)(InitialLearningRate * ((1 - Alpha) * cosine + Alpha));
    }
}
