#:project ../src/CatPot/CatPot.csproj
#:property PublishAot=false
// CatPot's side of the parity check with the PyTorch peer (see docs/parity.md and tools/check_peer_parity.sh).
//
//   dotnet run tools/catpot_parity.cs -- write-model OUT.safetensors STATS.json HEAD SEED
//       a random-init model (F=16, L=2, n_rbf=8, K=16, r_c=5) with small random biases (so that bias
//       mapping is exercised; PyTorch's init leaves them 0), the statistics of STATS.json (the peer fixture's
//       stats.json), saved with PotentialFile.Save. HEAD: hlgauss or mae.
//   dotnet run tools/catpot_parity.cs -- eval MODEL.safetensors FRAMES.extxyz OUT.json [--double]
//       per-frame outputs in the JSON layout of the peer's parity.py (each frame its own graph, positions
//       rounded to float32 as the peer reads them), for `parity.py --compare`.
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using CatPot.Chemistry;
using CatPot.Graphs;
using CatPot.IO;
using CatPot.Models;
using CatPot.Models.Heads;
using CatPot.Tensors;

if (args.Length >= 5 && args[0] == "write-model") return WriteModel(args[1], args[2], args[3], ulong.Parse(args[4], CultureInfo.InvariantCulture));
if (args.Length >= 4 && args[0] == "eval")
    return args.Contains("--double") ? Eval<double>(args[1], args[2], args[3], "float64") : Eval<float>(args[1], args[2], args[3], "float32");
Console.Error.WriteLine("usage: write-model OUT.safetensors STATS.json hlgauss|mae SEED  |  eval MODEL FRAMES OUT.json [--double]");
return 2;

static int WriteModel(string path, string statsPath, string head, ulong seed)
{
    var stats = JsonNode.Parse(File.ReadAllText(statsPath))!.AsObject();
    var refs = new double[119];
    foreach (var (z, e) in stats["element_refs"]!.AsObject()) refs[int.Parse(z, CultureInfo.InvariantCulture)] = e!.GetValue<double>();
    var statistics = new PotentialStatistics
    {
        ElementReferences = refs,
        Mu = stats["mu"]!.GetValue<double>(),
        Sd = stats["sd"]!.GetValue<double>(),
        Lo = stats["lo"]!.GetValue<double>(),
        Hi = stats["hi"]!.GetValue<double>(),
        ForceRms = stats["force_rms"]!.GetValue<double>(),
    };
    var config = new PotentialConfig
    {
        Features = 16, Layers = 2, RadialBasis = 8, Cutoff = 5.0,
        Head = head == "mae" ? new MaeHeadConfig() : new HLGaussHeadConfig { Bins = 16, SigmaRatio = 0.75, Temperature = 2.0 },
    };
    var model = new Potential<float>(config, statistics);
    model.InitializeParameters(seed);
    var rng = new Random((int)seed);
    foreach (var (name, t, _) in model.Parameters.Items)
        if (name.EndsWith(".bias", StringComparison.Ordinal))
            for (int i = 0; i < t.Length; i++) t[i] = (float)(0.2 * rng.NextDouble() - 0.1);
    PotentialFile.Save(model, path, new JsonObject
    {
        ["description"] = $"CatPot parity fixture: random init (seed {seed}) with biases uniform(-0.1, 0.1); statistics of the peer fixture's stats.json (xtb4 train)",
        ["written_by"] = "tools/catpot_parity.cs write-model",
    });
    Console.WriteLine($"wrote {path}: {model.Parameters.Count} tensors, {model.Parameters.ScalarCount} weights, head {config.Head.Name}");
    return 0;
}

static int Eval<T>(string modelPath, string framesPath, string outPath, string precision) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
{
    var model = PotentialFile.Load<T>(modelPath);
    model.Parameters.SetRequiresGrad(false);
    var builder = new NeighborListBuilder(model.Config.Cutoff);
    var frames = new JsonArray();
    int index = 0;
    foreach (var s in ExtXyzReader.ReadAll(framesPath))
    {
        var pos = new double[s.Positions.Length];
        for (int i = 0; i < pos.Length; i++) pos[i] = (float)s.Positions[i];
        var st = new Structure(s.Numbers, pos, s.Charge, s.Spin);
        var batch = GraphBatch.Create([st], builder);
        var o = model.Forward(ModelInput<T>.FromBatch(batch), directForces: true, conservativeForces: true);
        var fr = new JsonObject
        {
            ["index"] = index++, ["n_atoms"] = st.AtomCount, ["charge"] = st.Charge, ["spin"] = st.Spin, ["n_edges"] = batch.EdgeCount,
            ["energy"] = o.Energy[0], ["yn_hat"] = double.CreateChecked(o.NormalizedEnergy[0]),
        };
        if (o.Entropy is not null)
        {
            fr["entropy"] = o.Entropy[0];
            fr["std_E"] = o.EnergyStd![0];
        }
        fr["forces"] = Rows(o.DirectForces!);
        fr["forces_conservative"] = Rows(o.ConservativeForces!);
        frames.Add(fr);
    }
    var c = model.Config;
    var res = new JsonObject
    {
        ["implementation"] = "CatPot (tools/catpot_parity.cs)",
        ["precision"] = precision,
        ["model"] = new JsonObject
        {
            ["file"] = Path.GetFileName(modelPath), ["head"] = c.Head.Name, ["F"] = c.Features, ["L"] = c.Layers,
            ["n_rbf"] = c.RadialBasis, ["r_c"] = c.Cutoff, ["K"] = (c.Head as HLGaussHeadConfig)?.Bins ?? 16, ["T"] = (c.Head as HLGaussHeadConfig)?.Temperature ?? 2.0, ["mu"] = model.Statistics.Mu,
            ["sd"] = model.Statistics.Sd, ["lo"] = model.Statistics.Lo, ["hi"] = model.Statistics.Hi, ["force_rms"] = model.Statistics.ForceRms,
        },
        ["data"] = Path.GetFileName(framesPath),
        ["frames"] = frames,
    };
    File.WriteAllText(outPath, res.ToJsonString());
    Console.WriteLine($"wrote {outPath}: {index} frames, {precision}");
    return 0;
}

static JsonArray Rows<T>(Tensor<T> f) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
{
    var rows = new JsonArray();
    for (int a = 0; a < f.Shape[0]; a++)
        rows.Add(new JsonArray(double.CreateChecked(f[a, 0]), double.CreateChecked(f[a, 1]), double.CreateChecked(f[a, 2])));
    return rows;
}
