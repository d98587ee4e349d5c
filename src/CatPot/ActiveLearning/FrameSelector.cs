namespace CatPot.ActiveLearning;

/// <summary>
/// Picks the frames to label from an exploration pool.
/// <see cref="SelectActive"/>: flagged frames first, by farthest-point sampling in <see cref="FrameFeatures"/> space
/// measured from everything already labelled and already picked (the first pick of a new species list is its most
/// uncertain frame), never a near-duplicate. <see cref="SelectRandom"/>: the baseline, uniformly from the whole pool.
/// </summary>
public static class FrameSelector
{
    /// <summary>
    /// Up to <paramref name="budget"/> frames: flagged ones first (farthest point among them), then, while budget is left,
    /// the most uncertain unflagged frames (the <paramref name="fillCandidates"/> × budget highest scores, again by
    /// farthest point), so a round never wastes budget because the threshold flagged little.
    /// </summary>
    /// <param name="pool">Candidates.</param>
    /// <param name="labelled">Features of frames already in the dataset.</param>
    /// <param name="budget">Most frames to pick.</param>
    /// <param name="minDistance">A candidate closer than this (Å⁻¹, <see cref="FrameFeatures.DistanceTo"/>) to a labelled or picked frame is a near-duplicate and never picked.</param>
    /// <param name="fillCandidates">How many unflagged frames per budget slot may fill up the selection (0: flagged only).</param>
    public static List<PoolFrame> SelectActive(IReadOnlyList<PoolFrame> pool, IReadOnlyList<FrameFeatures> labelled, int budget, double minDistance, int fillCandidates = 4)
    {
        var flagged = pool.Where(f => f.Flagged);
        var fill = pool.Where(f => !f.Flagged && double.IsFinite(f.Uncertainty)).OrderByDescending(f => f.Uncertainty).Take(fillCandidates * budget);
        var candidates = flagged.Concat(fill).ToList();
        // Distance of every candidate to the nearest labelled frame, then kept up to date as frames are picked.
        var nearest = new double[candidates.Count];
        for (int c = 0; c < candidates.Count; c++)
        {
            double best = double.PositiveInfinity;
            foreach (var l in labelled) best = Math.Min(best, candidates[c].Features.DistanceTo(l));
            nearest[c] = best;
        }
        var picked = new List<PoolFrame>();
        var taken = new bool[candidates.Count];
        while (picked.Count < budget)
        {
            int choice = -1;
            for (int c = 0; c < candidates.Count; c++)
            {
                if (taken[c] || nearest[c] < minDistance) continue;
                if (choice < 0 || IsBetter(candidates[c], nearest[c], candidates[choice], nearest[choice])) choice = c;
            }
            if (choice < 0) break;
            taken[choice] = true;
            var chosen = candidates[choice];
            picked.Add(chosen);
            for (int c = 0; c < candidates.Count; c++)
                if (!taken[c]) nearest[c] = Math.Min(nearest[c], candidates[c].Features.DistanceTo(chosen.Features));
        }
        return picked;
    }

    // Flagged beats unflagged; then farther wins; among equals (e.g. +∞ for a species list nothing covers yet) the more uncertain wins.
    private static bool IsBetter(PoolFrame a, double distance, PoolFrame best, double bestDistance) =>
        a.Flagged != best.Flagged ? a.Flagged
        : distance != bestDistance ? distance > bestDistance
        : a.Uncertainty > best.Uncertainty;

    /// <summary>Up to <paramref name="budget"/> frames drawn uniformly without replacement from the whole pool (flagged or not).</summary>
    public static List<PoolFrame> SelectRandom(IReadOnlyList<PoolFrame> pool, int budget, ulong seed)
    {
        var order = Enumerable.Range(0, pool.Count).ToArray();
        new CatPot.Tensors.Xoshiro256StarStar(seed).Shuffle(order.AsSpan());
        return [.. order.Take(budget).Select(i => pool[i])];
    }
}
