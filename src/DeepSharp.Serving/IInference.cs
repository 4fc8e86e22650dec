namespace DeepSharp.Serving;

/// <summary>How a request's inputs reach the model: through the <see cref="DynamicBatcher"/>, or straight to Predict (<see cref="DirectInference"/>).</summary>
internal interface IInference : IAsyncDisposable
{
    /// <summary>The outputs for <paramref name="count"/> inputs laid out in <paramref name="values"/> (count × input size, maybe more capacity).</summary>
    Task<float[]> PredictAsync(float[] values, int count);

    /// <summary>Refuses new work (503); work already accepted still finishes.</summary>
    void StopAccepting();
}
