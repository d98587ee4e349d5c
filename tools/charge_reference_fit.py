#!/usr/bin/python3
# How much of xtb4's energy the reference fit explains with and without the charge and spin columns
# (docs/model-files.md, "Charge and spin references"). An independent numpy least-squares fit, run from the
# repository root:  /usr/bin/python3 tools/charge_reference_fit.py [../shared/data/xtb4]
# Prints the fitted a, b, c and the spread (std) of the referenced per-atom energy, overall and per domain.
import sys
import numpy as np
def read(path):
    out=[]
    with open(path) as f:
        while True:
            l=f.readline()
            if not l: break
            n=int(l); h=f.readline()
            kv=dict(x.split('=',1) for x in h.split() if '=' in x)
            zs=[f.readline().split()[0] for i in range(n)]
            out.append((zs,float(kv['energy']),int(kv['charge']),int(kv['spin']),kv['domain']))
    return out
d=sys.argv[1] if len(sys.argv)>1 else "../shared/data/xtb4"
tr=read(d+"/train.extxyz"); te=read(d+"/test.extxyz")
els=sorted({z for s in tr for z in s[0]})
def X(data,extra):
    A=np.zeros((len(data),len(els)+3))
    for i,(zs,e,q,sp,d) in enumerate(data):
        for z in zs:
            if z in els: A[i,els.index(z)]+=1
        A[i,len(els):]=[q,q*q,sp-1]
    return A if extra else A[:,:len(els)]
for extra in [False,True]:
    A=X(tr,extra); b=np.array([s[1] for s in tr]); c=np.linalg.lstsq(A,b,rcond=None)[0]
    if extra: print('a (per Q), b (per Q²), c (per unpaired electron) in eV:', c[-3:])
    for name,data in [('train',tr),('test',te)]:
        r=np.array([s[1] for s in data])-X(data,extra)@c
        n=np.array([len(s[0]) for s in data])
        doms=sorted({s[4] for s in data})
        print('elements + Q, Q², spin' if extra else 'elements only', name, 'std of referenced per-atom energy %.3f'%np.std(r/n), {d: round(float(np.std((r/n)[[s[4]==d for s in data]])),3) for d in doms})
