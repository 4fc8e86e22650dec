namespace DeepSharp.Serving;

/// <summary>How a request's inputs reach the model: through the <see cref="DynamicBatcher"/>, or straight to Predict (<see cref="DirectInference"/>).</summary>
internal interface IInference : IAsyncDisposable
{
    /// <summary>
    /// The outputs for <paramref name="count"/> inputs laid out in <paramref name="values"/> (count × input size,
    /// maybe more capacity). Departs the request (see <see cref="Depart"/>) first, whatever happens next.
    /// </summary>
    Task<float[]> PredictAsync(float[] values, int count);

    /// <summary>A request to /v1/predict has begun (its body is being read): the batcher may wait for it.</summary>
    void Arrive();

    /// <summary>That request was refused before <see cref="PredictAsync"/>: the batcher stops counting on it.</summary>
    void Depart();

    /// <summary>Refuses new work (503); work already accepted still finishes.</summary>
    void StopAccepting();
}
