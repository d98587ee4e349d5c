using CatPot.Tensors;
using CatPot.Tensors.Optim;
using Xunit;

namespace CatPot.Tensors.Tests;

public class OptimizerTests
{
    private static Parameter MakeParameter(string name, int n, int seed, bool weightDecay)
    {
        var rng = new Random(seed);
        var t = new Tensor<float>(n);
        for (int i = 0; i < n; i++) t[i] = (float)((rng.NextDouble() * 2) - 1);
        return new Parameter(name, t, weightDecay);
    }

    private static void SetGrad(Parameter p, int seed)
    {
        var rng = new Random(seed);
        var g = new Tensor<float>(p.Value.Shape);
        for (int i = 0; i < g.Length; i++) g[i] = (float)((rng.NextDouble() * 2) - 1);
        p.Value.Grad = g;
    }

    [Fact]
    public void AdamW_two_steps_match_the_formula_in_double()
    {
        var w = MakeParameter("w", 9, 1, weightDecay: true);
        var b = MakeParameter("b", 3, 2, weightDecay: false);
        const double lr = 0.01, b1 = 0.9, b2 = 0.999, eps = 1e-8, wd = 0.1;
        var opt = new AdamW([w, b], lr, b1, b2, eps, wd);
        var ps = new[] { w, b };
        var value = ps.Select(p => p.Value.Span.ToArray().Select(x => (double)x).ToArray()).ToArray();
        var m = ps.Select(p => new double[p.Value.Length]).ToArray();
        var v = ps.Select(p => new double[p.Value.Length]).ToArray();
        for (int t = 1; t <= 2; t++)
        {
            for (int k = 0; k < 2; k++) SetGrad(ps[k], (10 * t) + k);
            for (int k = 0; k < 2; k++)
                for (int i = 0; i < value[k].Length; i++)
                {
                    double g = ps[k].Grad![i];
                    if (ps[k].WeightDecay) value[k][i] -= lr * wd * value[k][i];
                    m[k][i] = (b1 * m[k][i]) + ((1 - b1) * g);
                    v[k][i] = (b2 * v[k][i]) + ((1 - b2) * g * g);
                    double mHat = m[k][i] / (1 - Math.Pow(b1, t));
                    double vHat = v[k][i] / (1 - Math.Pow(b2, t));
                    value[k][i] -= lr * mHat / (Math.Sqrt(vHat) + eps);
                }
            var initialBias = t == 1 ? b.Value[0] : 0f;
            opt.Step();
            // The first Adam step moves every element by about lr (|m̂/√v̂| ≈ 1): a visible change.
            if (t == 1) Assert.True(Math.Abs(b.Value[0] - initialBias) > 0.9 * lr);
            for (int k = 0; k < 2; k++)
                for (int i = 0; i < value[k].Length; i++)
                    Assert.Equal(value[k][i], ps[k].Value[i], 2e-6);
        }
        Assert.Equal(2, opt.StepCount);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(16)]
    [InlineData(37)]
    [InlineData(1000)]
    public void AdamW_vectorised_update_is_bit_identical_to_the_scalar_formula(int n)
    {
        // The reference is the element-wise float32-storage / float64-arithmetic update the optimiser documents.
        var p = MakeParameter("w", n, 3, weightDecay: true);
        const double lr = 0.003, b1 = 0.9, b2 = 0.999, eps = 1e-8, wd = 0.01;
        var opt = new AdamW([p], lr, b1, b2, eps, wd);
        var w = p.Value.Span.ToArray();
        var m = new float[n];
        var v = new float[n];
        for (int t = 1; t <= 3; t++)
        {
            SetGrad(p, 100 + t);
            double decay = 1 - (lr * wd), bc1 = 1 - Math.Pow(b1, t), sqrtBc2 = Math.Sqrt(1 - Math.Pow(b2, t)), step = lr / bc1;
            for (int i = 0; i < n; i++)
            {
                double gi = p.Grad![i];
                double mi = (b1 * m[i]) + ((1 - b1) * gi);
                double vi = (b2 * v[i]) + ((1 - b2) * gi * gi);
                m[i] = (float)mi;
                v[i] = (float)vi;
                w[i] = (float)((w[i] * decay) - (step * mi / ((Math.Sqrt(vi) / sqrtBc2) + eps)));
            }
            opt.Step();
            Assert.Equal(w.Select(BitConverter.SingleToInt32Bits), p.Value.Span.ToArray().Select(BitConverter.SingleToInt32Bits));
        }
    }

    [Fact]
    public void AdamW_skips_parameters_without_gradients()
    {
        var w = MakeParameter("w", 4, 1, weightDecay: true);
        var before = w.Value.ToArray();
        var opt = new AdamW([w], 0.1, weightDecay: 0.5);
        opt.Step();
        Assert.Equal(before, w.Value.ToArray());
        Assert.Equal(0, opt.GetState().ParameterSteps[0]);
    }

    [Fact]
    public void AdamW_state_round_trip_continues_bit_identically()
    {
        Parameter[] Make() => [MakeParameter("w", 17, 3, true), MakeParameter("b", 5, 4, false)];
        var a = Make();
        var optA = new AdamW(a, 0.01, weightDecay: 0.01);
        for (int t = 0; t < 3; t++) { SetGrad(a[0], t); SetGrad(a[1], t + 100); optA.Step(); }
        var state = optA.GetState();
        var values = a.Select(p => p.Value.ToArray()).ToArray();

        var b = Make();
        for (int k = 0; k < 2; k++) values[k].CopyTo(b[k].Value.Span);
        var optB = new AdamW(b, 0.01, weightDecay: 0.01);
        optB.LoadState(state);
        Assert.Equal(3, optB.StepCount);
        for (int t = 3; t < 6; t++)
        {
            SetGrad(a[0], t); SetGrad(a[1], t + 100); optA.Step();
            SetGrad(b[0], t); SetGrad(b[1], t + 100); optB.Step();
        }
        for (int k = 0; k < 2; k++) Assert.Equal(a[k].Value.ToArray(), b[k].Value.ToArray());
        Assert.Throws<ArgumentException>(() => new AdamW([a[0]]).LoadState(state));
    }

    [Fact]
    public void Schedule_warms_up_linearly_then_follows_the_cosine_over_total_steps()
    {
        const double lr = 8e-4;
        var s = new LearningRateSchedule(lr, totalSteps: 1000, warmupSteps: 10, warmupStartFactor: 0.2, minFactor: 0.01);
        Assert.Equal(0.2 * lr, s.LearningRate(0), 1e-15);
        Assert.Equal(0.6 * lr, s.LearningRate(5), 1e-15);
        Assert.Equal(lr, s.LearningRate(10), 1e-15);
        Assert.Equal(lr * (0.01 + (0.495 * (1 + Math.Cos(Math.PI * 11 / 1000.0)))), s.LearningRate(11), 1e-15);
        Assert.Equal(lr * (0.01 + 0.495), s.LearningRate(500), 1e-15); // cos(π/2) = 0 at half of the total
        Assert.Equal(0.01 * lr, s.LearningRate(1000), 1e-15);
        Assert.Equal(0.01 * lr, s.LearningRate(5000), 1e-15);
        for (long t = 11; t < 1000; t++) Assert.True(s.Factor(t) < s.Factor(t - 1));

        var peer = new LearningRateSchedule(lr, 1000, 10, 0.2, 0.01, CosinePhase.AfterWarmup);
        Assert.Equal(lr, peer.LearningRate(10), 1e-15);
        Assert.Equal(lr * (0.01 + 0.495), peer.LearningRate(505), 1e-15);
        Assert.Equal(0.01 * lr, peer.LearningRate(1000), 1e-15);

        var noWarmup = new LearningRateSchedule(lr, 100, 0, 0.2, 0.0);
        Assert.Equal(lr, noWarmup.LearningRate(0), 1e-15);
    }

    [Fact]
    public void Clipping_returns_the_norm_and_scales_only_above_the_limit()
    {
        var a = new Parameter("a", new Tensor<float>(2));
        var b = new Parameter("b", new Tensor<float>(1));
        var c = new Parameter("c", new Tensor<float>(3)); // no gradient: ignored
        a.Value.Grad = Tensor.From<float>([3f, 0f], 2);
        b.Value.Grad = Tensor.From<float>([4f], 1);
        double norm = GradientClipping.ClipGlobalNorm([a, b, c], maxNorm: 10);
        Assert.Equal(5.0, norm, 1e-12);
        Assert.Equal(3f, a.Grad![0]);
        norm = GradientClipping.ClipGlobalNorm([a, b, c], maxNorm: 1);
        Assert.Equal(5.0, norm, 1e-12);
        Assert.Equal(0.6, a.Grad![0], 1e-6);
        Assert.Equal(0.8, b.Grad![0], 1e-6);
        double after = Math.Sqrt((a.Grad[0] * a.Grad[0]) + (b.Grad[0] * b.Grad[0]));
        Assert.Equal(1.0, after, 1e-5);
    }

    [Fact]
    public void Ema_tracks_the_average_swaps_and_round_trips()
    {
        var p = new Parameter("p", Tensor.From<float>([1f, -2f], 2));
        var ema = new ExponentialMovingAverage([p], decay: 0.9);
        double s0 = 1, s1 = -2;
        for (int t = 0; t < 5; t++)
        {
            p.Value[0] += 1f;
            p.Value[1] *= 0.5f;
            ema.Update();
            s0 = (0.9 * s0) + (0.1 * p.Value[0]);
            s1 = (0.9 * s1) + (0.1 * p.Value[1]);
        }
        Assert.Equal(s0, ema.Shadow(0)[0], 1e-5);
        Assert.Equal(s1, ema.Shadow(0)[1], 1e-5);
        Assert.Equal(5, ema.UpdateCount);

        var live = p.Value.ToArray();
        var avg = ema.Shadow(0).ToArray();
        ema.Swap();
        Assert.Equal(avg, p.Value.ToArray());
        ema.Swap();
        Assert.Equal(live, p.Value.ToArray());

        var evalCopy = new Parameter("p", new Tensor<float>(2));
        ema.CopyTo([evalCopy]);
        Assert.Equal(avg, evalCopy.Value.ToArray());

        var restored = new ExponentialMovingAverage([p], decay: 0.9);
        restored.LoadState(ema.GetState(), ema.UpdateCount);
        p.Value[0] = 7f;
        ema.Update();
        restored.Update();
        Assert.Equal(ema.Shadow(0).ToArray(), restored.Shadow(0).ToArray());
    }
}
