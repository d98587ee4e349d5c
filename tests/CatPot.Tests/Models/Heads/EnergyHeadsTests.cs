using System.Text.Json.Nodes;
using CatPot.Graphs;
using CatPot.IO;
using CatPot.Models;
using CatPot.Models.Heads;
using CatPot.Tensors;
using Xunit;

namespace CatPot.Tests.Models.Heads;

/// <summary>The table of heads, every head through a model file, and the categorical heads' support and targets.</summary>
public sealed class EnergyHeadsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("catpot-heads-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static PotentialStatistics Stats()
    {
        var refs = new double[119];
        foreach (var z in new[] { 1, 6, 7, 8, 9, 15, 16, 17 }) refs[z] = -10.0 * z;
        return new PotentialStatistics { ElementReferences = refs, Mu = -0.3, Sd = 0.7, Lo = -3, Hi = 3, ForceRms = 1.7 };
    }

    [Fact]
    public void The_table_names_every_head_once_and_reads_back_its_defaults()
    {
        Assert.Equal(EnergyHeads.Names.Length, EnergyHeads.Names.Distinct().Count());
        Assert.Contains("mae", EnergyHeads.Names);
        Assert.Contains("hlgauss", EnergyHeads.Names);
        foreach (var entry in EnergyHeads.All)
        {
            Assert.Equal(entry.Name, entry.Default.Name);
            Assert.Equal(entry.Default, EnergyHeads.Read(entry.Name, EnergyHeads.Write(entry.Default)));
            Assert.Contains(entry.Name, EnergyHeads.Help, StringComparison.Ordinal);
        }
        Assert.Contains("nope", Assert.Throws<ArgumentException>(() => EnergyHeads.Default("nope")).Message, StringComparison.Ordinal);
        Assert.Contains("sigma_typo", Assert.Throws<ArgumentException>(() => EnergyHeads.Read("cat", new() { ["sigma_typo"] = 1 })).Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(TestHeads.Names), MemberType = typeof(TestHeads))]
    public void Every_head_round_trips_through_a_model_file_with_identical_outputs(string name)
    {
        var config = new PotentialConfig { Features = 8, Layers = 2, RadialBasis = 6, Cutoff = 4.5, Head = TestHeads.Of(name, statistics: Stats()) };
        var model = new Potential<float>(config, Stats());
        model.InitializeParameters(7);
        foreach (var (pname, t, _) in model.Parameters.Items)
            if (pname.EndsWith(".bias", StringComparison.Ordinal))
                for (int i = 0; i < t.Length; i++) t[i] = 0.01f * ((i % 13) - 6);
        string path = Path.Combine(_dir, name + ".safetensors");
        PotentialFile.Save(model, path);
        var back = PotentialFile.Load<float>(path, out var metadata);

        Assert.Equal(name, metadata.Config.Head.Name);
        Assert.Equal(model.Config, back.Config);
        Assert.Equal(model.Parameters.Names, back.Parameters.Names);
        var frames = StructureFiles.ReadAll(PeerFixtures.PathOf("frames.extxyz")).Take(4).ToArray();
        var batch = GraphBatch.Create(frames, new NeighborListBuilder(config.Cutoff));
        var a = model.Forward(ModelInput<float>.FromBatch(batch), conservativeForces: true);
        var b = back.Forward(ModelInput<float>.FromBatch(batch), conservativeForces: true);
        Assert.Equal(a.Energy, b.Energy);
        Assert.Equal(a.DirectForces!.ToArray(), b.DirectForces!.ToArray());
        Assert.Equal(a.ConservativeForces!.ToArray(), b.ConservativeForces!.ToArray());
        Assert.Equal(a.Entropy, b.Entropy);
        Assert.Equal(a.EnergyStd, b.EnergyStd);
        Assert.Equal(a.Probabilities, b.Probabilities);
        Assert.Equal(a.EdgeMass, b.EdgeMass);
        Assert.Equal(name != "mae", a.Probabilities is not null);
        // the file's metadata names the head, and a v1 head stays catpot-v1 (readable by the peer)
        var file = SafeTensorsFile.Read(path);
        Assert.Equal(name, file.Metadata["head"]);
        Assert.Equal(name is "mae" or "hlgauss" ? "catpot-v1" : "catpot-v2", file.Metadata["format"]);
    }

    [Fact]
    public void The_residual_heads_bin_count_does_not_depend_on_the_datasets_energy_scale()
    {
        // ±1,000 meV/atom at σ = 10 meV/atom and σ / width = 0.75 is exactly 150 bins; in the dataset's units the range
        // and width are rounded, which gave 150 or 151 bins by dataset (a warm start in `catpot learn` then failed).
        var head = new ResidualCategoricalHeadConfig();
        var counts = new HashSet<int>();
        for (int i = 0; i < 2000; i++)
        {
            double sd = 0.001 + (i * 0.000731);
            var fitted = (ResidualCategoricalHeadConfig)head.Fit([], new PotentialStatistics { Sd = sd });
            counts.Add(new TailedSupport(fitted.Edges!).InnerBinCount);
        }
        Assert.Equal([150], counts);
    }

    [Fact]
    public void Tailed_target_sums_to_one_and_keeps_the_mass_beyond_the_edges_in_the_tails()
    {
        var support = new TailedSupport(TailedSupport.BuildEdges(-1, 1, 0.1, 1024, null));
        Assert.Equal(20, support.InnerBinCount);
        var q = new double[support.BinCount];
        foreach (double y in new[] { -5.0, -1.0, -0.93, 0.0, 0.37, 1.0, 1.04, 7.0 })
        {
            support.Target(y, 0.075, q);
            Assert.Equal(1.0, q.Sum(), 12);
            Assert.All(q, v => Assert.True(v >= 0));
        }
        support.Target(-5.0, 0.075, q);
        Assert.Equal(1.0, q[0], 12);                  // far below: all in the lower tail
        support.Target(1.0, 0.075, q);
        Assert.Equal(0.5, q[^1], 12);                 // on the top edge: half beyond it
        support.Target(0.0, 0.075, q);
        double mean = 0;
        for (int b = 0; b < q.Length; b++) mean += q[b] * support.Centres[b];
        Assert.Equal(0.0, mean, 10);
        Assert.True(q[0] < 1e-12 && q[^1] < 1e-12);
    }

    [Fact]
    public void On_equal_bins_far_from_the_edges_the_tailed_target_is_the_HL_Gauss_target()
    {
        var hl = new HLGaussSupport(-2, 2, 40);
        var tailed = new TailedSupport(hl.Edges.ToArray());
        var q1 = new double[40];
        var q2 = new double[42];
        foreach (double y in new[] { -0.71, 0.0, 0.333, 1.2 })
        {
            hl.Target(y, 0.75, q1);
            tailed.Target(y, 0.75 * hl.Width, q2);
            for (int b = 0; b < 40; b++) Assert.Equal(q1[b], q2[b + 1], 12);
        }
    }

    [Fact]
    public void Quantile_edges_put_more_bins_where_the_samples_are_and_keep_half_the_equal_width()
    {
        var samples = Enumerable.Range(0, 1000).Select(i => i < 900 ? 0.1 * i : 5 + i).ToArray();
        var edges = TailedSupport.BuildEdges(-0.1, 1100, 10, 4096, samples);
        double equal = 1100.1 / (edges.Length - 1);
        for (int j = 1; j < edges.Length; j++) Assert.True(edges[j] - edges[j - 1] >= (0.5 * equal) - 1e-9);
        var support = new TailedSupport(edges);
        // [0, 90], where 90 % of the samples lie, gets about twice the 9 equal bins (the most the blend allows)
        Assert.InRange(support.InnerBin(90) - support.InnerBin(0), 15, 18);
    }

    [Fact]
    public void Categorical_heads_report_targets_outside_and_near_the_edges()
    {
        var head = new CategoricalHeadConfig { SigmaMeV = 70, MaxBins = 64 }.Fit([-1.0, 0.0, 1.0], Stats());
        var model = new Potential<float>(new PotentialConfig { Features = 8, Layers = 1, RadialBasis = 4, Head = head }, Stats());
        var edges = ((CategoricalHeadConfig)model.Config.Head).Edges!;
        double sigma = 0.07 / 0.7;
        var coverage = model.Head.Coverage([edges[0] - 1, edges[^1] + 1, edges[0] + (0.5 * sigma), 0.0], [0, 0, 0, 0])!.Value;
        Assert.Equal(0.5, coverage.Outside);
        Assert.Equal(0.25, coverage.NearEdge);
        // the residual head measures the residual y − ŷ
        var res = new ResidualCategoricalHeadConfig { SigmaMeV = 70, HalfRangeMeV = 700 }.Fit([0.0], Stats());
        var model2 = new Potential<float>(new PotentialConfig { Features = 8, Layers = 1, RadialBasis = 4, Head = res }, Stats());
        var c2 = model2.Head.Coverage([5.0, 5.0], [5.0, 0.0])!.Value;
        Assert.Equal(0.5, c2.Outside);
    }

    [Fact]
    public void The_residual_head_point_energy_is_its_regression_row_and_the_histogram_centres_on_it()
    {
        var res = new ResidualCategoricalHeadConfig { SigmaMeV = 70, HalfRangeMeV = 700 }.Fit([0.0], Stats());
        var model = new Potential<double>(new PotentialConfig { Features = 8, Layers = 1, RadialBasis = 4, Head = res }, Stats());
        model.InitializeParameters(3);
        var frames = StructureFiles.ReadAll(PeerFixtures.PathOf("frames.extxyz")).Take(2).ToArray();
        var input = ModelInput<double>.FromBatch(GraphBatch.Create(frames, new NeighborListBuilder(5.0)));
        var o = model.Forward(input);
        double point = o.NormalizedEnergy[0];
        var edges = model.Head.HistogramEdges(point)!;
        var own = ((ResidualCategoricalHead<double>)model.Head).Support.PlotEdges();
        for (int i = 0; i < edges.Length; i++) Assert.Equal(own[i] + point, edges[i], 12);
        // its loss is |ŷ − y| plus the weighted cross-entropy of the residual's target
        var loss = model.Head.Loss(o.Head, [point, point]);
        var q = new double[model.Head.BinCount];
        model.Head.Target(point, point, q);
        double ce0 = 0;
        for (int b = 0; b < q.Length; b++) ce0 -= q[b] * o.LogProbabilities![0, b];
        double pointB = o.NormalizedEnergy[1], ce1 = 0;
        model.Head.Target(point, pointB, q);
        for (int b = 0; b < q.Length; b++) ce1 -= q[b] * o.LogProbabilities![1, b];
        double expected = (Math.Abs(pointB - point) / 2) + (0.1 * (ce0 + ce1) / 2);
        Assert.Equal(expected, loss.ToScalar(), 10);
    }

    [Fact]
    public void A_detached_residual_histogram_trains_only_its_own_rows_and_predicts_what_the_shared_one_predicts()
    {
        var frames = StructureFiles.ReadAll(PeerFixtures.PathOf("frames.extxyz")).Take(3).ToArray();
        var input = ModelInput<double>.FromBatch(GraphBatch.Create(frames, new NeighborListBuilder(5.0)));
        double[] targets = [0.3, -0.2, 0.1];
        (HeadOutput<double> Output, Dictionary<string, double[]> Grads) Run(string gradient, double weight)
        {
            var head = new ResidualCategoricalHeadConfig { SigmaMeV = 70, HalfRangeMeV = 700, CrossEntropyWeight = weight, HistogramGradient = gradient }.Fit([0.0], Stats());
            var model = new Potential<double>(new PotentialConfig { Features = 8, Layers = 1, RadialBasis = 4, Head = head }, Stats());
            model.InitializeParameters(3);
            var o = model.Forward(input);
            var items = model.Parameters.Items;
            var grads = Autograd.Grad(model.Head.Loss(o.Head, targets), [.. items.Select(p => p.Tensor)]);
            return (o.Head, items.Select((p, i) => (p.Name, grads[i].ToArray())).ToDictionary(p => p.Name, p => p.Item2));
        }
        var detached = Run(ResidualCategoricalHeadConfig.DetachedGradient, 0.5);
        var regressionOnly = Run(ResidualCategoricalHeadConfig.DetachedGradient, 0.0);
        var shared = Run(ResidualCategoricalHeadConfig.SharedGradient, 0.5);

        // the same outputs either way: only where the gradient goes differs
        Assert.Equal(shared.Output.NormalizedEnergy.ToArray(), detached.Output.NormalizedEnergy.ToArray());
        Assert.Equal(shared.Output.LogProbabilities!.ToArray(), detached.Output.LogProbabilities!.ToArray());
        // detached: below the last layer, and in its regression row, the cross-entropy adds nothing
        int hidden = new ResidualCategoricalHeadConfig().HiddenFeatures(8);
        foreach (var (name, grad) in detached.Grads)
        {
            int rows = name switch { "energy.mlp2.weight" => hidden, "energy.mlp2.bias" => 1, _ => grad.Length };
            for (int i = 0; i < rows; i++) Assert.Equal(regressionOnly.Grads[name][i], grad[i], 14);   // up to the order of sums
        }
        Assert.NotEqual(regressionOnly.Grads["energy.mlp2.weight"][hidden..], detached.Grads["energy.mlp2.weight"][hidden..]);
        for (int i = hidden; i < detached.Grads["energy.mlp2.weight"].Length; i++) Assert.Equal(shared.Grads["energy.mlp2.weight"][i], detached.Grads["energy.mlp2.weight"][i], 14);
        // shared: the cross-entropy reaches the hidden layer (what detaching removes)
        Assert.NotEqual(regressionOnly.Grads["energy.mlp1.weight"], shared.Grads["energy.mlp1.weight"]);
        Assert.Contains("histogram_gradient", Assert.Throws<ArgumentException>(() => EnergyHeads.Read("catres", new() { ["histogram_gradient"] = "frozen" })).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Changing_the_energy_head_changes_no_other_initial_weight_and_the_residual_regression_row_starts_as_the_mae_head()
    {
        var stats = Stats();
        var config = new PotentialConfig { Features = 8, Layers = 2, RadialBasis = 6, Head = new MaeHeadConfig() };
        var mae = new Potential<double>(config, stats);
        var res = new Potential<double>(config with { Head = new ResidualCategoricalHeadConfig { SigmaMeV = 70, HalfRangeMeV = 700 }.Fit([0.0], stats) }, stats);
        var hl = new Potential<double>(config with { Head = new HLGaussHeadConfig { Bins = 16 } }, stats);
        foreach (var m in new[] { mae, res, hl }) m.InitializeParameters(11);
        var maeParameters = mae.Parameters.Items.ToDictionary(p => p.Name, p => p.Tensor.ToArray());
        foreach (var other in new[] { res, hl })
            foreach (var (name, t, _) in other.Parameters.Items)
                if (!name.StartsWith("energy.", StringComparison.Ordinal))
                    Assert.Equal(maeParameters[name], t.ToArray());
        // catres: mlp1 [F/2, F] as mae's, and row 0 of mlp2 (the regression) equal to mae's mlp2
        var resParameters = res.Parameters.Items.ToDictionary(p => p.Name, p => p.Tensor.ToArray());
        Assert.Equal(maeParameters["energy.mlp1.weight"], resParameters["energy.mlp1.weight"]);
        Assert.Equal(maeParameters["energy.mlp2.weight"], resParameters["energy.mlp2.weight"][..4]);
        Assert.NotEqual(resParameters["energy.mlp2.weight"][4..8], resParameters["energy.mlp2.weight"][..4]);
        // a different seed gives different head weights (the streams depend on the seed)
        string forceWeight = mae.Parameters.Names.First(n => n.StartsWith("forces.", StringComparison.Ordinal) && n.EndsWith(".weight", StringComparison.Ordinal));
        mae.InitializeParameters(12);
        Assert.NotEqual(maeParameters[forceWeight], mae.Parameters.Items.First(p => p.Name == forceWeight).Tensor.ToArray());
    }

    [Fact]
    public void A_residual_head_file_written_before_hidden_ratio_existed_reads_as_the_full_width_head()
    {
        var head = new ResidualCategoricalHeadConfig { SigmaMeV = 70, HalfRangeMeV = 700, HiddenRatio = 1.0 }.Fit([0.0], Stats());
        var model = new Potential<float>(new PotentialConfig { Features = 8, Layers = 1, RadialBasis = 4, Head = head }, Stats());
        model.InitializeParameters(5);
        string path = Path.Combine(_dir, "old-catres.safetensors");
        PotentialFile.Save(model, path);
        // rewrite the metadata as an older CatPot wrote it: head_settings without hidden_ratio
        var file = SafeTensorsFile.Read(path);
        var metadata = new Dictionary<string, string>(file.Metadata);
        var settings = JsonNode.Parse(metadata["head_settings"])!.AsObject();
        Assert.True(settings.Remove("hidden_ratio"));
        metadata["head_settings"] = settings.ToJsonString();
        string old = Path.Combine(_dir, "old-catres-stripped.safetensors");
        new SafeTensorsFile(file.Tensors, metadata).Write(old);

        var back = PotentialFile.Load<float>(old, out var read);
        Assert.Equal(1.0, ((ResidualCategoricalHeadConfig)read.Config.Head).HiddenRatio);
        Assert.Equal(model.Parameters.Names, back.Parameters.Names);
        // and a new file's default is the mae head's width
        Assert.Equal(4, new ResidualCategoricalHeadConfig().HiddenFeatures(8));
    }
}
