#!/usr/bin/env bash
# A strict CLI (issue 20): every option of every command given a bad value
# (not a number, out of range, not one of its words, a missing or wrong
# file, an option that does not apply) must exit 2 for a usage error or 1
# for a failure, with a message that names the problem. The table below is
# the test: one row a case, run by one loop; the loop then checks that every
# option in every command's --help has a row.
# Usage: cli_strict_test.sh path/to/senet
set -u
senet=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export OMP_NUM_THREADS=1 OMP_WAIT_POLICY=PASSIVE # no re-exec (cli/main.c): half the start-up

# Fixtures: weights, a "JPEG", a batch file for step, a labels file of the
# wrong length, a folder of 32x32 PNGs (2 classes, train/ and test/).
"$senet" init --arch se_resnet20 --output "$tmp/w.safetensors" || { echo "FAIL: senet init"; exit 1; }
"$senet" init --arch se_resnet20 --num-classes 2 --output "$tmp/w2.safetensors" || { echo "FAIL: senet init"; exit 1; }
printf '\377\330\377\340\000\020JFIF\000' > "$tmp/photo.jpg"
printf 'a\nb\nc\n' > "$tmp/three.txt"
/usr/bin/python3 - "$tmp" <<'EOF' || { echo "FAIL: fixtures"; exit 1; }
import json, os, struct, sys, zlib
tmp = sys.argv[1]
def png(path, seed):
    rows = b"".join(b"\0" + bytes((seed * 31 + x * 7 + y * 3) % 256 for x in range(96)) for y in range(32))
    chunk = lambda kind, data: struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 32, 32, 8, 2, 0, 0, 0))
                + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))
for split, n in (("train", 4), ("test", 2)):
    for c in ("cat", "dog"):
        os.makedirs(f"{tmp}/data/{split}/{c}")
        for i in range(n):
            png(f"{tmp}/data/{split}/{c}/{i}.png", i + 10 * len(c) + (c == "dog") * 50)
# step's batch: 'input' F32 (2, 3, 32, 32), 'labels' I64 (2)
x = struct.pack("<6144f", *[((i * 37) % 17) / 17.0 for i in range(6144)])
y = struct.pack("<2q", 0, 1)
head = {"input": {"dtype": "F32", "shape": [2, 3, 32, 32], "data_offsets": [0, len(x)]},
        "labels": {"dtype": "I64", "shape": [2], "data_offsets": [len(x), len(x) + len(y)]}}
h = json.dumps(head).encode(); h += b" " * (-len(h) % 8)
open(f"{tmp}/batch.safetensors", "wb").write(struct.pack("<Q", len(h)) + h + x + y)
EOF

# command | exit status | a fragment the output must contain | arguments
# (@T@ the scratch folder, @W@ se_resnet20 weights, @W2@ the same for 2
# classes, @J@ a JPEG, @D@ the image folder, @B@ step's batch, @L@ a labels file of 3 names)
read -r -d '' table <<'EOF'
info     | 2 | unknown architecture 'se_resnet51'                | --arch se_resnet51
info     | 2 | --num-classes 0 is out of range (1..1000000)      | --arch se_resnet20 --num-classes 0
info     | 2 | --num-classes expects an integer, got 'ten'       | --arch se_resnet20 --num-classes ten
info     | 2 | --se-reduction expects an integer 1..65536        | --arch se_resnet20 --se-reduction 0
info     | 2 | --se-squeeze 'min' is not one of: avg | max       | --arch se_resnet20 --se-squeeze min
info     | 2 | --se-gate 'swish' is not one of                   | --arch se_resnet20 --se-gate swish
info     | 2 | --se-mode 'post2' is not one of                   | --arch se_resnet20 --se-mode post2
info     | 2 | --se-stages expects stage numbers 1-4             | --arch se_resnet20 --se-stages 5
info     | 2 | --se-bias '2' is not one of: 1 | 0                | --arch se_resnet20 --se-bias 2
info     | 2 | --input-size 8 is out of range (S or HxW, 32..16384 pixels a side) | --arch se_resnet20 --input-size 8
info     | 2 | --input-size expects S or HxW                     | --arch se_resnet20 --input-size big
info     | 2 | --input-size 32x99999 is out of range             | --arch se_resnet20 --input-size 32x99999
info     | 2 | --json takes no value                             | --arch se_resnet20 --json=1
info     | 2 | --arch does not apply to --list                   | --list --arch se_resnet20
info     | 2 | unknown option '--bogus'                          | --arch se_resnet20 --bogus
init     | 2 | unknown architecture 'x'                          | --arch x --output @T@/i.safetensors
init     | 2 | --num-classes -1 is out of range                  | --arch se_resnet20 --num-classes -1 --output @T@/i.safetensors
init     | 2 | --se-reduction expects an integer                 | --arch se_resnet20 --se-reduction r --output @T@/i.safetensors
init     | 2 | --se-squeeze 'x' is not one of                    | --arch se_resnet20 --se-squeeze x --output @T@/i.safetensors
init     | 2 | --se-gate 'x' is not one of                       | --arch se_resnet20 --se-gate x --output @T@/i.safetensors
init     | 2 | --se-mode 'x' is not one of                       | --arch se_resnet20 --se-mode x --output @T@/i.safetensors
init     | 2 | --se-stages expects                               | --arch se_resnet20 --se-stages 1,,2 --output @T@/i.safetensors
init     | 2 | --se-bias 'yes' is not one of                     | --arch se_resnet20 --se-bias yes --output @T@/i.safetensors
init     | 2 | --seed -1 is out of range (0..9007199254740992)         | --arch se_resnet20 --seed -1 --output @T@/i.safetensors
init     | 2 | --output is required                              | --arch se_resnet20
init     | 1 | @T@/nodir/i.safetensors                           | --arch se_resnet20 --output @T@/nodir/i.safetensors
init     | 2 | the labels file has 3 names (non-blank lines), the net has 10 classes | --arch se_resnet20 --labels @L@ --output @T@/i.safetensors
init     | 1 | cannot open the labels file                       | --arch se_resnet20 --labels @T@/none.txt --output @T@/i.safetensors
forward  | 2 | --arch resnet20 disagrees with                    | --arch resnet20 --weights @W@ --input @B@ --output @T@/o.safetensors
forward  | 2 | --num-classes 100 disagrees with                  | --num-classes 100 --weights @W@ --input @B@ --output @T@/o.safetensors
forward  | 2 | --se-reduction 8 disagrees with                   | --se-reduction 8 --weights @W@ --input @B@ --output @T@/o.safetensors
forward  | 2 | --se-squeeze max disagrees with                   | --se-squeeze max --weights @W@ --input @B@ --output @T@/o.safetensors
forward  | 2 | --se-gate tanh disagrees with                     | --se-gate tanh --weights @W@ --input @B@ --output @T@/o.safetensors
forward  | 2 | --se-mode pre disagrees with                      | --se-mode pre --weights @W@ --input @B@ --output @T@/o.safetensors
forward  | 2 | --se-stages 3 disagrees with                      | --se-stages 3 --weights @W@ --input @B@ --output @T@/o.safetensors
forward  | 2 | --se-bias 0 disagrees with                        | --se-bias 0 --weights @W@ --input @B@ --output @T@/o.safetensors
forward  | 1 | not a safetensors file (it is a JPEG image)       | --weights @J@ --input @B@ --output @T@/o.safetensors
forward  | 2 | --weights is required                             | --input @B@ --output @T@/o.safetensors
forward  | 1 | @T@/none.safetensors: cannot open                 | --weights @W@ --input @T@/none.safetensors --output @T@/o.safetensors
forward  | 2 | --input is required                               | --weights @W@ --output @T@/o.safetensors
forward  | 1 | @T@/nodir/o.safetensors                           | --weights @W@ --input @B@ --output @T@/nodir/o.safetensors
forward  | 2 | --threads -1 is out of range (0..1024; 0: all cores) | --weights @W@ --input @B@ --output @T@/o.safetensors --threads -1
forward  | 2 | --se-off expects stage numbers 1-4                | --weights @W@ --input @B@ --output @T@/o.safetensors --se-off 9
step     | 2 | --arch resnet20 disagrees with                    | --arch resnet20 --weights @W@ --input @B@ --output @T@/o.safetensors
step     | 2 | --num-classes 0 is out of range                   | --num-classes 0 --weights @W@ --input @B@ --output @T@/o.safetensors
step     | 2 | --se-reduction 4 disagrees with                   | --se-reduction 4 --weights @W@ --input @B@ --output @T@/o.safetensors
step     | 2 | --se-squeeze 'mean' is not one of                 | --se-squeeze mean --weights @W@ --input @B@ --output @T@/o.safetensors
step     | 2 | --se-gate 'gelu' is not one of                    | --se-gate gelu --weights @W@ --input @B@ --output @T@/o.safetensors
step     | 2 | --se-mode 'x' is not one of                       | --se-mode x --weights @W@ --input @B@ --output @T@/o.safetensors
step     | 2 | --se-stages expects                               | --se-stages 0 --weights @W@ --input @B@ --output @T@/o.safetensors
step     | 2 | --se-bias 'true' is not one of                    | --se-bias true --weights @W@ --input @B@ --output @T@/o.safetensors
step     | 1 | not a safetensors file (it is a JPEG image)       | --weights @J@ --input @B@ --output @T@/o.safetensors
step     | 1 | has no tensor 'input'                             | --weights @W@ --input @W@ --output @T@/o.safetensors
step     | 2 | --output is required                              | --weights @W@ --input @B@
step     | 2 | --steps 0 is out of range (1..1000000)              | --weights @W@ --input @B@ --output @T@/o.safetensors --steps 0
step     | 2 | --lr 0 is out of range (more than 0)              | --weights @W@ --input @B@ --output @T@/o.safetensors --lr 0
step     | 2 | --momentum 1 is out of range (0 <= F < 1)         | --weights @W@ --input @B@ --output @T@/o.safetensors --momentum 1
step     | 2 | --weight-decay -1 is out of range (0 or more)     | --weights @W@ --input @B@ --output @T@/o.safetensors --weight-decay -1
step     | 2 | --nesterov needs a --momentum above 0             | --weights @W@ --input @B@ --output @T@/o.safetensors --nesterov
step     | 2 | --no-decay-bn-bias takes no value                 | --weights @W@ --input @B@ --output @T@/o.safetensors --no-decay-bn-bias=0
step     | 2 | --label-smoothing 1 is out of range (0 <= F < 1)  | --weights @W@ --input @B@ --output @T@/o.safetensors --label-smoothing 1
step     | 2 | --dropout 1.5 is out of range (0 <= P < 1)        | --weights @W@ --input @B@ --output @T@/o.safetensors --dropout 1.5
step     | 2 | --freeze: 'layer9' is not a stage of se_resnet20  | --weights @W@ --input @B@ --output @T@/o.safetensors --freeze layer9
step     | 2 | --head-lr-mult 0 is out of range (0 < F <= 1000000) | --weights @W@ --input @B@ --output @T@/o.safetensors --head-lr-mult 0
step     | 2 | --threads 2000 is out of range                    | --weights @W@ --input @B@ --output @T@/o.safetensors --threads 2000
step     | 2 | --sync-bn takes no value                          | --weights @W@ --input @B@ --output @T@/o.safetensors --sync-bn=1
train    | 2 | unknown architecture 'resnet21'                   | --arch resnet21 --data @D@
train    | 2 | --num-classes 0 is out of range                   | --arch resnet20 --data @D@ --num-classes 0
train    | 2 | --se-reduction expects an integer                 | --arch se_resnet20 --data @D@ --se-reduction 0x
train    | 2 | --se-squeeze 'x' is not one of                    | --arch se_resnet20 --data @D@ --se-squeeze x
train    | 2 | --se-gate 'x' is not one of                       | --arch se_resnet20 --data @D@ --se-gate x
train    | 2 | --se-mode 'x' is not one of                       | --arch se_resnet20 --data @D@ --se-mode x
train    | 2 | --se-stages expects                               | --arch se_resnet20 --data @D@ --se-stages x
train    | 2 | --se-bias 'x' is not one of                       | --arch se_resnet20 --data @D@ --se-bias x
train    | 2 | --data is required                                | --arch resnet20
train    | 1 | @T@/none: no such file or folder                  | --arch resnet20 --data @T@/none --out @T@/r0
train    | 2 | --data-format 'png' is not one of                 | --arch resnet20 --data @D@ --data-format png
train    | 2 | --normalize 'zca' is not one of                   | --arch resnet20 --data @D@ --normalize zca
train    | 2 | --input-size 16 is out of range                   | --arch resnet20 --data @D@ --input-size 16
train    | 2 | this command's images are square                  | --arch resnet20 --data @D@ --input-size 32x48
train    | 2 | --val-split 1 is out of range (0 <= F < 1; 0: the test split) | --arch resnet20 --data @D@ --val-split 1
train    | 2 | --augment 'autoaugment' is not one of: cifar | imagenet | --arch resnet20 --data @D@ --augment autoaugment
train    | 2 | --augment cifar works at the images' own size, 32x32, not --input-size 40 | --arch resnet20 --data @D@ --augment cifar --input-size 40 --out @T@/r1
train    | 2 | --epochs 0 is out of range (1..100000)            | --arch resnet20 --data @D@ --epochs 0
train    | 2 | --batch 0 is out of range (1..65536)              | --arch resnet20 --data @D@ --batch 0
train    | 2 | --lr -1 is out of range (more than 0)             | --arch resnet20 --data @D@ --lr -1
train    | 2 | --schedule 'step' is not one of: cosine | multistep | constant | --arch resnet20 --data @D@ --schedule step
train    | 2 | --milestones does not apply to --schedule constant (only to multistep) | --arch resnet20 --data @D@ --schedule constant --milestones 3
train    | 2 | --milestones expects increasing epochs            | --arch resnet20 --data @D@ --schedule multistep --milestones 3,2
train    | 2 | --gamma 2 is out of range (0 < F <= 1)            | --arch resnet20 --data @D@ --schedule multistep --gamma 2
train    | 2 | --gamma does not apply to --schedule cosine       | --arch resnet20 --data @D@ --gamma 0.1
train    | 2 | --min-lr does not apply to --schedule constant    | --arch resnet20 --data @D@ --schedule constant --min-lr 0
train    | 2 | --min-lr 0.5 is out of range (0..--lr, here 0.1)  | --arch resnet20 --data @D@ --min-lr 0.5
train    | 2 | --warmup 2 is out of range (0..--epochs, here 1)  | --arch resnet20 --data @D@ --warmup 2
train    | 2 | --momentum -0.1 is out of range (0 <= F < 1)      | --arch resnet20 --data @D@ --momentum -0.1
train    | 2 | --nesterov needs a --momentum above 0             | --arch resnet20 --data @D@ --momentum 0 --nesterov
train    | 2 | --weight-decay -1 is out of range (0 or more)     | --arch resnet20 --data @D@ --weight-decay -1
train    | 2 | --no-decay-bn-bias takes no value                 | --arch resnet20 --data @D@ --no-decay-bn-bias=yes
train    | 2 | --label-smoothing 2 is out of range (0 <= F < 1)  | --arch resnet20 --data @D@ --label-smoothing 2
train    | 2 | --dropout -0.5 is out of range (0 <= P < 1)       | --arch resnet20 --data @D@ --dropout -0.5
train    | 2 | --seed -1 is out of range                         | --arch resnet20 --data @D@ --seed -1
train    | 2 | --threads -1 is out of range (0..1024; 0: all cores) | --arch resnet20 --data @D@ --threads -1
train    | 2 | --sync-bn takes no value                          | --arch resnet20 --data @D@ --sync-bn=1
train    | 1 | cannot create the folder @J@/run                  | --arch resnet20 --data @D@ --out @J@/run
train    | 1 | cannot write the final weights                    | --arch resnet20 --data @D@ --batch 8 --out @T@/r2 --output @T@/nodir/f.safetensors
train    | 1 | cannot resume                                     | --arch resnet20 --data @D@ --out @T@/r3 --resume @T@/none.safetensors
train    | 2 | --eval-every 0 is out of range (1 or more)        | --arch resnet20 --data @D@ --eval-every 0
train    | 2 | --checkpoint-every -1 is out of range (0 or more; 0: epochs only) | --arch resnet20 --data @D@ --checkpoint-every -1
train    | 2 | --log-every 0 is out of range (1 or more)         | --arch resnet20 --data @D@ --log-every 0
train    | 2 | --max-steps -5 is out of range (0 or more; 0: no limit) | --arch resnet20 --data @D@ --max-steps -5
train    | 2 | --extend applies only with --resume               | --arch resnet20 --data @D@ --extend
train    | 2 | --allow-changes applies only with --resume        | --arch resnet20 --data @D@ --allow-changes
train    | 2 | --overwrite takes no value                        | --arch resnet20 --data @D@ --overwrite=1
train    | 1 | not a safetensors file (it is a JPEG image)       | --weights @J@ --data @D@
train    | 2 | --strict-data takes no value                      | --arch resnet20 --data @D@ --strict-data=1
train    | 2 | --reset-head applies only with --weights          | --arch resnet20 --data @D@ --reset-head
train    | 2 | --freeze: 'layer7' is not a stage of resnet20     | --arch resnet20 --data @D@ --out @T@/r4 --freeze layer7
train    | 2 | --head-lr-mult -2 is out of range                 | --arch resnet20 --data @D@ --head-lr-mult -2
train    | 0 | 8 images, 2 classes), 1 epoch of 1 batch of 8     | --arch resnet20 --data @D@ --batch 8 --out @T@/r5
train    | 0 | | val loss                                        | --arch resnet20 --data @D@ --batch 4 --val-split 0.5 --out @T@/r6
eval     | 2 | --arch resnet20 disagrees with                    | --arch resnet20 --data @D@
eval     | 2 | --num-classes 0 is out of range                   | --num-classes 0 --data @D@
eval     | 2 | --se-reduction 2 disagrees with                   | --se-reduction 2 --data @D@
eval     | 2 | --se-squeeze 'x' is not one of                    | --se-squeeze x --data @D@
eval     | 2 | --se-gate 'x' is not one of                       | --se-gate x --data @D@
eval     | 2 | --se-mode 'x' is not one of                       | --se-mode x --data @D@
eval     | 2 | --se-stages expects                               | --se-stages 1-2 --data @D@
eval     | 2 | --se-bias 'x' is not one of                       | --se-bias x --data @D@
eval     | 1 | not a safetensors file (it is a JPEG image)       | --weights @J@ --data @D@
eval     | 2 | --data is required                                | --weights @W@
eval     | 2 | --data-format 'jpeg' is not one of                | --data @D@ --data-format jpeg
eval     | 2 | --normalize 'none' is not one of                  | --data @D@ --normalize none
eval     | 2 | --input-size 0 is out of range                    | --data @D@ --input-size 0
eval     | 2 | --augment 'x' is not one of                       | --data @D@ --augment x
eval     | 2 | --train-split takes no value                      | --data @D@ --train-split=1
eval     | 2 | --val-split -0.5 is out of range                  | --data @D@ --val-split -0.5
eval     | 2 | --seed applies only with --val-split              | --data @D@ --seed 3
eval     | 2 | --batch 0 is out of range (1..65536)              | --data @D@ --batch 0
eval     | 2 | --threads expects an integer, got 'x'            | --data @D@ --threads x
eval     | 2 | --json takes no value                             | --data @D@ --json=yes
eval     | 2 | the file must end in .jsonl or .csv               | --data @D@ --predictions @T@/p.txt
eval     | 2 | --se-off expects stage numbers 1-4                | --weights @W2@ --data @D@ --se-off 0
eval     | 2 | --num-classes 2 disagrees with                    | --data @D@ --num-classes 2
classify | 2 | --arch resnet20 disagrees with                    | --arch resnet20 @J@
classify | 2 | --num-classes 1000001 is out of range             | --num-classes 1000001 @J@
classify | 2 | --se-reduction 32 disagrees with                  | --se-reduction 32 @J@
classify | 2 | --se-squeeze 'x' is not one of                    | --se-squeeze x @J@
classify | 2 | --se-gate 'x' is not one of                       | --se-gate x @J@
classify | 2 | --se-mode 'x' is not one of                       | --se-mode x @J@
classify | 2 | --se-stages expects                               | --se-stages 12 @J@
classify | 2 | --se-bias 'x' is not one of                       | --se-bias x @J@
classify | 1 | not a safetensors file (it is a JPEG image)       | --weights @J@ @J@
classify | 2 | --top 0 is out of range (1 or more)               | --top 0 @J@
classify | 2 | the labels file has 3 names                       | --labels @L@ @J@
classify | 2 | the labels file has 1 name (non-blank lines)      | --labels @J@ @J@
classify | 2 | --normalize 'x' is not one of                     | --normalize x @J@
classify | 2 | --input-size 31 is out of range                   | --input-size 31 @J@
classify | 2 | --json takes no value                             | --json=1 @J@
classify | 2 | --recursive takes no value                        | --recursive=1 @J@
classify | 2 | --threads 1025 is out of range                    | --threads 1025 @J@
classify | 2 | no image given                                    | --top 3
classify | 1 | cannot                                            | @T@/none.jpg
excite   | 2 | --arch resnet20 disagrees with                    | --arch resnet20 --data @D@
excite   | 2 | --num-classes 0 is out of range                   | --num-classes 0 --data @D@
excite   | 2 | --se-reduction 1 disagrees with                   | --se-reduction 1 --data @D@
excite   | 2 | --se-squeeze 'x' is not one of                    | --se-squeeze x --data @D@
excite   | 2 | --se-gate 'x' is not one of                       | --se-gate x --data @D@
excite   | 2 | --se-mode 'x' is not one of                       | --se-mode x --data @D@
excite   | 2 | --se-stages expects                               | --se-stages , --data @D@
excite   | 2 | --se-bias 'x' is not one of                       | --se-bias x --data @D@
excite   | 1 | not a safetensors file (it is a JPEG image)       | --weights @J@ --data @D@
excite   | 2 | --data is required                                | --json
excite   | 2 | --data-format 'x' is not one of                   | --data @D@ --data-format x
excite   | 2 | --normalize 'x' is not one of                     | --data @D@ --normalize x
excite   | 2 | --input-size 20000 is out of range                | --data @D@ --input-size 20000
excite   | 2 | --augment 'x' is not one of                       | --data @D@ --augment x
excite   | 2 | --train-split takes no value                      | --data @D@ --train-split=1
excite   | 2 | --classes: the data has no class 'horse'          | --weights @W2@ --data @D@ --classes cat,horse
excite   | 2 | --images-per-class 0 is not a count               | --data @D@ --images-per-class 0
excite   | 2 | --blocks: se_resnet20 has no SE block 'layer9'    | --data @D@ --blocks layer9
excite   | 2 | --channels 0 is out of range (1..100000)          | --data @D@ --channels 0
excite   | 2 | --seed -1 is out of range                         | --data @D@ --seed -1
excite   | 2 | --channels applies only with --output or --json   | --data @D@ --channels 5
excite   | 2 | --seed applies only with --output or --json       | --data @D@ --seed 5
excite   | 2 | the output must end in .svg or .png               | --data @D@ --output @T@/e.pdf
excite   | 2 | --scale 9 is out of range (0.25..8)               | --data @D@ --scale 9
excite   | 2 | --scale applies only to a PNG output              | --data @D@ --scale 2 -o @T@/e.svg
excite   | 2 | --json takes no value                             | --data @D@ --json=1
excite   | 2 | --batch 0 is out of range                         | --data @D@ --batch 0
excite   | 2 | --threads -2 is out of range                      | --data @D@ --threads -2
plot     | 2 | --output is required                              | @T@/log.jsonl
plot     | 2 | the output must end in .svg or .png               | @T@/log.jsonl -o @T@/p.gif
plot     | 2 | --title needs a value                             | @T@/log.jsonl -o @T@/p.svg --title
plot     | 2 | --labels gives 2 names for 1 log                  | @T@/log.jsonl -o @T@/p.svg --labels a,b
plot     | 2 | --scale 0.1 is out of range (0.25..8)             | @T@/log.jsonl -o @T@/p.png --scale 0.1
plot     | 2 | --scale applies only to a PNG output              | @T@/log.jsonl -o @T@/p.svg --scale 2
plot     | 1 | @T@/none.json                                     | --confusion @T@/none.json -o @T@/p.svg
plot     | 1 | @T@/log.jsonl                                     | @T@/log.jsonl -o @T@/p.svg
plot     | 1 | @J@: not a training log                           | @J@ -o @T@/p.svg
plot     | 1 | not the JSON that 'senet eval --json' writes      | --confusion @J@ -o @T@/p.svg
convert  | 2 | --arch resnet20 disagrees with                    | --arch resnet20 --weights @W@ --output @T@/c.safetensors
convert  | 2 | --num-classes expects an integer, got 'x'        | --num-classes x --weights @W@ --output @T@/c.safetensors
convert  | 2 | --se-reduction 8 disagrees with                   | --se-reduction 8 --weights @W@ --output @T@/c.safetensors
convert  | 2 | --se-squeeze 'x' is not one of                    | --se-squeeze x --weights @W@ --output @T@/c.safetensors
convert  | 2 | --se-gate 'x' is not one of                       | --se-gate x --weights @W@ --output @T@/c.safetensors
convert  | 2 | --se-mode 'x' is not one of                       | --se-mode x --weights @W@ --output @T@/c.safetensors
convert  | 2 | --se-stages expects                               | --se-stages 1,2, --weights @W@ --output @T@/c.safetensors
convert  | 2 | --se-bias 'x' is not one of                       | --se-bias x --weights @W@ --output @T@/c.safetensors
convert  | 1 | not a safetensors file (it is a JPEG image)       | --weights @J@ --output @T@/c.safetensors
convert  | 2 | --output is required                              | --weights @W@
convert  | 1 | @T@/nodir/c.safetensors                           | --weights @W@ --output @T@/nodir/c.safetensors
convert  | 2 | the labels file has 3 names                       | --weights @W@ --output @T@/c.safetensors --labels @L@
convert  | 2 | --normalize 'x' is not one of                     | --weights @W@ --output @T@/c.safetensors --normalize x
convert  | 2 | --input-size 0x32 is out of range                 | --weights @W@ --output @T@/c.safetensors --input-size 0x32
bench    | 2 | unknown architecture 'x'                          | --arch x
bench    | 2 | --num-classes 0 is out of range                   | --arch se_resnet20 --num-classes 0
bench    | 2 | --se-reduction expects an integer                 | --arch se_resnet20 --se-reduction -4
bench    | 2 | --se-squeeze 'x' is not one of                    | --arch se_resnet20 --se-squeeze x
bench    | 2 | --se-gate 'x' is not one of                       | --arch se_resnet20 --se-gate x
bench    | 2 | --se-mode 'x' is not one of                       | --arch se_resnet20 --se-mode x
bench    | 2 | --se-stages expects                               | --arch se_resnet20 --se-stages x
bench    | 2 | --se-bias 'x' is not one of                       | --arch se_resnet20 --se-bias x
bench    | 2 | --batch 0 is out of range (1..65536)              | --arch se_resnet20 --batch 0
bench    | 2 | --threads -1 is out of range                      | --arch se_resnet20 --threads -1
bench    | 2 | --input-size 8 is out of range                    | --arch se_resnet20 --input-size 8
bench    | 2 | --train takes no value                            | --arch se_resnet20 --train=1
bench    | 2 | --runs 0 is out of range (1..1000000)               | --arch se_resnet20 --runs 0
bench    | 2 | --warmup -1 is out of range (0..1000000)            | --arch se_resnet20 --warmup -1
bench    | 2 | --seed -3 is out of range                         | --arch se_resnet20 --seed -3
bench    | 2 | --peak 0 is out of range (0 < G <= 1000000)         | --arch se_resnet20 --peak 0
bench    | 2 | --profile takes no value                          | --arch se_resnet20 --profile=1
bench    | 2 | --json takes no value                             | --arch se_resnet20 --json=1
serve    | 2 | unknown architecture 'x'                          | --arch x --weights @W@
serve    | 2 | --num-classes 0 is out of range                   | --num-classes 0
serve    | 2 | --se-reduction expects an integer                 | --se-reduction 1e3
serve    | 2 | --se-squeeze 'x' is not one of                    | --se-squeeze x
serve    | 2 | --se-gate 'x' is not one of                       | --se-gate x
serve    | 2 | --se-mode 'x' is not one of                       | --se-mode x
serve    | 2 | --se-stages expects                               | --se-stages x
serve    | 2 | --se-bias 'x' is not one of                       | --se-bias x
serve    | 1 | not a safetensors file (it is a JPEG image)       | --arch se_resnet20 --weights @J@ --port 0
serve    | 1 | 999.999.999.999                                   | --host 999.999.999.999 --port 0
serve    | 2 | --port 70000 is out of range (0..65535)           | --port 70000
serve    | 2 | --threads -1 is out of range                      | --threads -1
serve    | 2 | --http-threads 0 is out of range (1..256)         | --http-threads 0
serve    | 2 | --max-batch 0 is out of range (1..4096)           | --max-batch 0
serve    | 2 | --max-delay-ms -1 is out of range (0..10000)      | --max-delay-ms -1
serve    | 2 | --max-body-mb 0 is out of range (1..4096)         | --max-body-mb 0
serve    | 2 | --max-pixels 0 is out of range                    | --max-pixels 0
serve    | 2 | --max-queue 0 is out of range                     | --max-queue 0
serve    | 2 | --max-queue 4 is below --max-batch 32             | --max-queue 4
serve    | 2 | --max-connections 1 is out of range (4..100000)   | --max-connections 1
serve    | 2 | --timeout 0 is out of range (1..3600)             | --timeout 0
serve    | 2 | --precision int4 is unknown                       | --precision int4
serve    | 2 | the labels file has 3 names                       | --labels @L@
serve    | 2 | model name 'a/b' must be                          | --name a/b
serve    | 2 | --normalize 'x' is not one of                     | --normalize x
serve    | 2 | --input-size 10 is out of range                   | --input-size 10
serve    | 2 | --log-json takes no value                         | --log-json=1
EOF

passed=0 failed=0
declare -A covered
trim() { local s=${1#"${1%%[! ]*}"}; trimmed=${s%"${s##*[! ]}"}; }
fill() { local s=${1//@T@/$tmp}; s=${s//@W2@/$tmp/w2.safetensors}; s=${s//@W@/$tmp/w.safetensors}
         s=${s//@J@/$tmp/photo.jpg}; s=${s//@D@/$tmp/data}; s=${s//@B@/$tmp/batch.safetensors}
         filled=${s//@L@/$tmp/three.txt}; }
while IFS= read -r row; do
  [ -z "$row" ] && continue
  IFS='| ' read -r cmd want _ <<< "$row"
  # the fragment may itself hold a '|': it runs from the second '|' to the last
  fragment=${row#*|*|}
  trim "${fragment%|*}"
  fill "$trimmed"
  fragment=$filled
  fill "${row##*|}"
  read -r -a argv <<< "$filled"
  for a in "${argv[@]}"; do
    case $a in --*) covered["$cmd ${a%%=*}"]=1 ;; -o) covered["$cmd --output"]=1 ;; esac
  done
  out=$(timeout 60 "$senet" "$cmd" "${argv[@]}" 2>&1)
  status=$?
  if [ "$status" -eq "$want" ] && [[ $out == *"$fragment"* ]]; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    echo "FAIL: senet $cmd ${argv[*]} -> status $status (want $want, with '$fragment'), output:"
    printf '%s\n' "$out" | head -4
  fi
done <<< "$table"

# Every option of every command has a row.
commands=$("$senet" help | awk '/^commands:/ {on = 1; next} on && /^  [a-z]/ {print $1}')
[ -n "$commands" ] || { echo "FAIL: no commands in 'senet help'"; failed=$((failed + 1)); }
options=0
for cmd in $commands; do
  for opt in $("$senet" "$cmd" --help | awk '/^options:/ {on = 1; next} on && /^  --/ {print $1}'); do
    [ "$opt" = --help ] && continue
    options=$((options + 1))
    if [ -z "${covered["$cmd $opt"]:-}" ]; then
      failed=$((failed + 1))
      echo "FAIL: senet $cmd $opt has no row in the table"
    fi
  done
done
echo "$passed rows passed, $failed failed ($(wc -w <<< "$commands") commands, $options options)"
[ "$failed" -eq 0 ]
