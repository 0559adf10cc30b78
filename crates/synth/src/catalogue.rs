//! The shared catalogue of billable services every synthetic hospital draws from: common CPT/HCPCS
//! outpatient services with their revenue codes, MS-DRG inpatient cases, drugs with NDC and drug
//! units, a few CMG and MS-LTC-DRG cases, room-and-board per diems and chargemaster (LOCAL/CDM)
//! supplies. Codes and descriptions follow the public code sets; the NDCs are made up in the 5-4-2
//! shape. Base prices are rough national reference prices in cents; each hospital and payer scales
//! them, so the same code has a different price at every hospital.

use priceline_domain::{CodeType, DrugUnitType};

use crate::decimal::Fixed;

/// What a service is, which decides its settings, methodologies and price shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Lab,
    Visit,
    Imaging,
    Therapy,
    Surgery,
    /// An MS-DRG inpatient case.
    Drg,
    /// A psychiatric or substance-use MS-DRG, usually paid per day.
    PsychDrg,
    /// An inpatient rehabilitation case-mix group.
    RehabCmg,
    /// A long-term care hospital case.
    LongTermDrg,
    /// Room and board, charged per day.
    Room,
    Drug {
        unit: Fixed,
        unit_type: DrugUnitType,
    },
    Supply,
}

impl Kind {
    /// Whole inpatient cases: never repeated as chargemaster variants.
    pub fn is_case(self) -> bool {
        matches!(
            self,
            Kind::Drg | Kind::PsychDrg | Kind::RehabCmg | Kind::LongTermDrg
        )
    }
}

#[derive(Debug)]
pub(crate) struct Service {
    pub kind: Kind,
    pub base_cents: u64,
    pub description: &'static str,
    pub codes: &'static [(CodeType, &'static str)],
}

const fn drug(units: u64, places: u8, unit_type: DrugUnitType) -> Kind {
    Kind::Drug {
        unit: Fixed::round(units, places),
        unit_type,
    }
}

macro_rules! s {
    ($kind:expr, $cents:expr, $description:expr, $($type:ident $code:literal),+ $(,)?) => {
        Service {
            kind: $kind,
            base_cents: $cents,
            description: $description,
            codes: &[$((CodeType::$type, $code)),+],
        }
    };
}

use DrugUnitType::{Ea, F2, Gm, Gr, Me, Ml, Un};
use Kind::{
    Drg, Imaging, Lab, LongTermDrg, PsychDrg, RehabCmg, Room, Supply, Surgery, Therapy, Visit,
};

/// The most codes a catalogue service carries; a chargemaster variant adds one CDM code.
pub(crate) const MAX_SERVICE_CODES: usize = 3;

/// One unit of drug quantity in ten-thousandths.
const U: u64 = crate::decimal::UNIT;

pub(crate) static SERVICES: &[Service] = &[
    // Laboratory.
    s!(Lab, 2_500, "Basic metabolic panel", Rc "301", Cpt "80048"),
    s!(Lab, 3_500, "Comprehensive metabolic panel", Rc "301", Cpt "80053"),
    s!(Lab, 3_000, "Lipid panel", Rc "301", Cpt "80061"),
    s!(Lab, 2_800, "Hepatic function panel", Rc "301", Cpt "80076"),
    s!(Lab, 2_200, "Complete blood count (CBC) with automated differential", Rc "305", Cpt "85025"),
    s!(Lab, 1_800, "Complete blood count (CBC), automated", Rc "305", Cpt "85027"),
    s!(Lab, 1_200, "Prothrombin time (PT)", Rc "305", Cpt "85610"),
    s!(Lab, 1_500, "Partial thromboplastin time (PTT)", Rc "305", Cpt "85730"),
    s!(Lab, 4_000, "Thyroid stimulating hormone (TSH)", Rc "301", Cpt "84443"),
    s!(Lab, 3_000, "Thyroxine, free", Rc "301", Cpt "84439"),
    s!(Lab, 2_800, "Hemoglobin A1c", Rc "301", Cpt "83036"),
    s!(Lab, 900, "Glucose, quantitative, blood", Rc "301", Cpt "82947"),
    s!(Lab, 1_200, "Urinalysis, with microscopy", Rc "307", Cpt "81001"),
    s!(Lab, 900, "Urinalysis, automated, without microscopy", Rc "307", Cpt "81003"),
    s!(Lab, 2_500, "Urine culture, bacterial, colony count", Rc "306", Cpt "87086"),
    s!(Lab, 4_000, "Prostate specific antigen (PSA), total", Rc "301", Cpt "84153"),
    s!(Lab, 6_000, "Vitamin D, 25-hydroxy", Rc "301", Cpt "82306"),
    s!(Lab, 3_000, "Ferritin", Rc "301", Cpt "82728"),
    s!(Lab, 4_500, "Troponin, quantitative", Rc "301", Cpt "84484"),
    s!(Lab, 6_500, "Natriuretic peptide (BNP)", Rc "301", Cpt "83880"),
    s!(Lab, 2_500, "Streptococcus group A antigen, rapid", Rc "306", Cpt "87880"),
    s!(Lab, 7_500, "SARS-CoV-2 (COVID-19) amplified probe technique", Rc "306", Cpt "87635"),
    s!(Lab, 6_500, "Chlamydia trachomatis, amplified probe technique", Rc "306", Cpt "87491"),
    s!(Lab, 3_500, "Hepatitis C antibody", Rc "302", Cpt "86803"),
    s!(Lab, 1_800, "Tuberculosis skin test", Rc "302", Cpt "86580"),
    s!(Lab, 800, "Routine venipuncture", Rc "300", Cpt "36415"),
    s!(Lab, 12_000, "Surgical pathology, gross and microscopic examination, level IV", Rc "310", Cpt "88305"),
    s!(Lab, 4_800, "Blood typing, ABO and Rh", Rc "302", Cpt "86900", Cpt "86901"),
    s!(Lab, 2_900, "Magnesium", Rc "301", Cpt "83735"),
    s!(Lab, 3_800, "C-reactive protein, high sensitivity", Rc "302", Cpt "86141"),
    s!(Lab, 5_500, "Blood culture, bacterial, aerobic and anaerobic", Rc "306", Cpt "87040"),
    // Imaging.
    s!(Imaging, 45_000, "CT head or brain without contrast", Rc "351", Cpt "70450"),
    s!(Imaging, 50_000, "CT thorax without contrast", Rc "352", Cpt "71250"),
    s!(Imaging, 65_000, "CT abdomen and pelvis without contrast", Rc "352", Cpt "74176"),
    s!(Imaging, 80_000, "CT abdomen and pelvis with contrast", Rc "352", Cpt "74177"),
    s!(Imaging, 70_000, "CT angiography, chest, with contrast", Rc "352", Cpt "71275"),
    s!(Imaging, 90_000, "MRI brain without contrast", Rc "611", Cpt "70551"),
    s!(Imaging, 140_000, "MRI brain without contrast, followed by contrast", Rc "611", Cpt "70553"),
    s!(Imaging, 85_000, "MRI lumbar spine without contrast", Rc "612", Cpt "72148"),
    s!(Imaging, 80_000, "MRI joint of lower extremity without contrast", Rc "614", Cpt "73721"),
    s!(Imaging, 9_000, "X-ray chest, 2 views", Rc "324", Cpt "71046"),
    s!(Imaging, 9_000, "X-ray shoulder, complete, minimum of 2 views", Rc "320", Cpt "73030"),
    s!(Imaging, 9_500, "X-ray knee, 3 views", Rc "320", Cpt "73562"),
    s!(Imaging, 10_000, "X-ray lumbosacral spine, 2 or 3 views", Rc "320", Cpt "72100"),
    s!(Imaging, 30_000, "Ultrasound abdomen, complete", Rc "402", Cpt "76700"),
    s!(Imaging, 28_000, "Ultrasound pelvis, non-obstetric, complete", Rc "402", Cpt "76856"),
    s!(Imaging, 32_000, "Ultrasound pregnant uterus, after first trimester", Rc "402", Cpt "76805"),
    s!(Imaging, 60_000, "Echocardiography, transthoracic, complete with Doppler", Rc "483", Cpt "93306"),
    s!(Imaging, 20_000, "Screening mammography, bilateral, with CAD", Rc "403", Cpt "77067"),
    s!(Imaging, 12_000, "DXA bone density study, axial skeleton", Rc "320", Cpt "77080"),
    s!(Imaging, 150_000, "Myocardial perfusion imaging, SPECT, multiple studies", Rc "341", Cpt "78452"),
    s!(Imaging, 400_000, "PET with concurrently acquired CT, skull base to mid-thigh", Rc "404", Cpt "78815"),
    s!(Imaging, 5_000, "Electrocardiogram, routine, with interpretation and report", Rc "730", Cpt "93000"),
    s!(Imaging, 35_000, "Duplex scan of extracranial arteries, complete bilateral", Rc "921", Cpt "93880"),
    s!(Imaging, 40_000, "Duplex scan of lower extremity veins, complete bilateral", Rc "921", Cpt "93970"),
    // Visits.
    s!(Visit, 25_000, "Emergency department visit, level 1", Rc "450", Cpt "99281"),
    s!(Visit, 45_000, "Emergency department visit, level 2", Rc "450", Cpt "99282"),
    s!(Visit, 80_000, "Emergency department visit, level 3", Rc "450", Cpt "99283"),
    s!(Visit, 130_000, "Emergency department visit, level 4", Rc "450", Cpt "99284"),
    s!(Visit, 200_000, "Emergency department visit, level 5", Rc "450", Cpt "99285"),
    s!(Visit, 65_000, "Critical care, first 30-74 minutes", Rc "450", Cpt "99291"),
    s!(Visit, 15_000, "Office or outpatient visit, new patient, 15-29 minutes", Rc "510", Cpt "99202"),
    s!(Visit, 20_000, "Office or outpatient visit, new patient, 30-44 minutes", Rc "510", Cpt "99203"),
    s!(Visit, 35_000, "Office or outpatient visit, new patient, 45-59 minutes", Rc "510", Cpt "99204"),
    s!(Visit, 13_000, "Office or outpatient visit, established patient, 20-29 minutes", Rc "510", Cpt "99213"),
    s!(Visit, 19_000, "Office or outpatient visit, established patient, 30-39 minutes", Rc "510", Cpt "99214"),
    s!(Visit, 26_000, "Office or outpatient visit, established patient, 40-54 minutes", Rc "510", Cpt "99215"),
    s!(Visit, 18_000, "Hospital outpatient clinic visit", Rc "510", Hcpcs "G0463"),
    s!(Visit, 7_000, "Hospital observation service, per hour", Rc "762", Hcpcs "G0378"),
    s!(Visit, 16_000, "Psychotherapy, 60 minutes", Rc "900", Cpt "90837"),
    s!(Visit, 12_000, "Psychotherapy, 45 minutes", Rc "900", Cpt "90834"),
    s!(Visit, 20_000, "Psychiatric diagnostic evaluation", Rc "900", Cpt "90791"),
    s!(Visit, 120_000, "Ambulance service, advanced life support, emergency (ALS1)", Rc "540", Hcpcs "A0427"),
    s!(Visit, 80_000, "Ambulance service, basic life support, emergency (BLS)", Rc "540", Hcpcs "A0429"),
    // Therapy and treatment.
    s!(Therapy, 6_000, "Therapeutic exercises, each 15 minutes", Rc "420", Cpt "97110"),
    s!(Therapy, 5_500, "Manual therapy techniques, each 15 minutes", Rc "420", Cpt "97140"),
    s!(Therapy, 18_000, "Physical therapy evaluation, low complexity", Rc "424", Cpt "97161"),
    s!(Therapy, 5_000, "Gait training, each 15 minutes", Rc "420", Cpt "97116"),
    s!(Therapy, 6_500, "Therapeutic activities, each 15 minutes", Rc "430", Cpt "97530"),
    s!(Therapy, 15_000, "Speech, language, voice or communication treatment", Rc "440", Cpt "92507"),
    s!(Therapy, 4_500, "Aerosol or vapor inhalation treatment", Rc "410", Cpt "94640"),
    s!(Therapy, 9_000, "Spirometry", Rc "460", Cpt "94010"),
    s!(Therapy, 40_000, "Chemotherapy administration, intravenous infusion, first hour", Rc "335", Cpt "96413"),
    s!(Therapy, 25_000, "Intravenous infusion, therapy, first hour", Rc "260", Cpt "96365"),
    s!(Therapy, 3_000, "Immunization administration, first vaccine", Rc "771", Cpt "90471"),
    s!(Therapy, 50_000, "Hemodialysis with single evaluation", Rc "821", Cpt "90935"),
    s!(Therapy, 120_000, "Intensity modulated radiation treatment delivery, simple", Rc "333", Cpt "77385"),
    s!(Therapy, 30_000, "Arthrocentesis, aspiration or injection, major joint", Rc "510", Cpt "20610"),
    s!(Therapy, 40_000, "Debridement, subcutaneous tissue, first 20 sq cm", Rc "510", Cpt "11042"),
    // Procedures.
    s!(Surgery, 180_000, "Colonoscopy, diagnostic", Rc "750", Cpt "45378"),
    s!(Surgery, 220_000, "Colonoscopy with biopsy", Rc "750", Cpt "45380"),
    s!(Surgery, 250_000, "Colonoscopy with removal of polyp by snare technique", Rc "750", Cpt "45385"),
    s!(Surgery, 180_000, "Colorectal cancer screening colonoscopy, not high risk", Rc "750", Hcpcs "G0121"),
    s!(Surgery, 180_000, "Upper GI endoscopy (EGD) with biopsy", Rc "750", Cpt "43239"),
    s!(Surgery, 300_000, "Cataract removal with intraocular lens insertion", Rc "360", Cpt "66984"),
    s!(Surgery, 550_000, "Knee arthroscopy with meniscectomy", Rc "360", Cpt "29881"),
    s!(Surgery, 900_000, "Shoulder arthroscopy with rotator cuff repair", Rc "360", Cpt "29827"),
    s!(Surgery, 650_000, "Inguinal hernia repair, age 5 years or older", Rc "360", Cpt "49505"),
    s!(Surgery, 900_000, "Laparoscopic cholecystectomy", Rc "360", Cpt "47562"),
    s!(Surgery, 350_000, "Carpal tunnel release", Rc "360", Cpt "64721"),
    s!(Surgery, 3_000_000, "Total knee arthroplasty", Rc "360", Cpt "27447"),
    s!(Surgery, 3_200_000, "Total hip arthroplasty", Rc "360", Cpt "27130"),
    s!(Surgery, 300_000, "Hysteroscopy with biopsy", Rc "360", Cpt "58558"),
    s!(Surgery, 200_000, "Prostate needle biopsy", Rc "360", Cpt "55700"),
    s!(Surgery, 150_000, "Cystourethroscopy", Rc "360", Cpt "52000"),
    s!(Surgery, 400_000, "Tonsillectomy and adenoidectomy, younger than age 12", Rc "360", Cpt "42820"),
    s!(Surgery, 250_000, "Tympanostomy, general anesthesia", Rc "360", Cpt "69436"),
    s!(Surgery, 150_000, "Lumbar epidural injection with imaging guidance", Rc "361", Cpt "62323"),
    s!(Surgery, 700_000, "Left heart catheterization with coronary angiography", Rc "481", Cpt "93458"),
    s!(Surgery, 1_800_000, "Percutaneous transcatheter placement of coronary stent", Rc "481", Cpt "92928"),
    s!(Surgery, 2_500_000, "Insertion of dual chamber pacemaker", Rc "360", Cpt "33208", Hcpcs "C1785"),
    s!(Surgery, 450_000, "Excision of breast lesion", Rc "360", Cpt "19120"),
    s!(Surgery, 500_000, "Septoplasty", Rc "360", Cpt "30520"),
    s!(Surgery, 1_200_000, "Lumbar laminotomy with discectomy, single interspace", Rc "360", Cpt "63030"),
    s!(Surgery, 280_000, "Upper GI endoscopy with dilation of esophagus by balloon", Rc "750", Cpt "43249"),
    s!(Surgery, 420_000, "Arthroscopic anterior cruciate ligament repair", Rc "360", Cpt "29888"),
    // Inpatient cases.
    s!(Drg, 3_500_000, "Major hip and knee joint replacement or reattachment of lower extremity without MCC", MsDrg "470"),
    s!(Drg, 5_500_000, "Major hip and knee joint replacement or reattachment of lower extremity with MCC", MsDrg "469"),
    s!(Drg, 4_500_000, "Septicemia or severe sepsis without MV >96 hours with MCC", MsDrg "871"),
    s!(Drg, 2_500_000, "Septicemia or severe sepsis without MV >96 hours without MCC", MsDrg "872"),
    s!(Drg, 3_200_000, "Heart failure and shock with MCC", MsDrg "291"),
    s!(Drg, 2_200_000, "Heart failure and shock with CC", MsDrg "292"),
    s!(Drg, 2_800_000, "Simple pneumonia and pleurisy with MCC", MsDrg "193"),
    s!(Drg, 1_900_000, "Simple pneumonia and pleurisy with CC", MsDrg "194"),
    s!(Drg, 2_500_000, "Chronic obstructive pulmonary disease with MCC", MsDrg "190"),
    s!(Drg, 1_400_000, "Esophagitis, gastroenteritis and miscellaneous digestive disorders without MCC", MsDrg "392"),
    s!(Drg, 1_300_000, "Kidney and urinary tract infections without MCC", MsDrg "690"),
    s!(Drg, 1_300_000, "Cellulitis without MCC", MsDrg "603"),
    s!(Drg, 3_800_000, "Intracranial hemorrhage or cerebral infarction with MCC", MsDrg "064"),
    s!(Drg, 2_400_000, "Intracranial hemorrhage or cerebral infarction with CC or tPA in 24 hours", MsDrg "065"),
    s!(Drg, 4_200_000, "Percutaneous cardiovascular procedures with drug-eluting stent without MCC", MsDrg "247"),
    s!(Drg, 5_800_000, "Percutaneous cardiovascular procedures with drug-eluting stent with MCC or 4+ arteries or stents", MsDrg "246"),
    s!(Drg, 6_500_000, "Spinal fusion except cervical without MCC", MsDrg "460"),
    s!(Drg, 4_500_000, "Cervical spinal fusion without CC/MCC", MsDrg "473"),
    s!(Drg, 5_200_000, "Hip and femur procedures except major joint with MCC", MsDrg "480"),
    s!(Drg, 2_200_000, "Uterine and adnexa procedures for non-malignancy without CC/MCC", MsDrg "743"),
    s!(Drg, 1_800_000, "Cesarean section without sterilization without CC/MCC", MsDrg "788"),
    s!(Drg, 1_100_000, "Vaginal delivery without sterilization or D&C without CC/MCC", MsDrg "807"),
    s!(Drg, 350_000, "Normal newborn", MsDrg "795"),
    s!(Drg, 2_600_000, "Gastrointestinal hemorrhage with MCC", MsDrg "377"),
    s!(Drg, 1_500_000, "Gastrointestinal hemorrhage with CC", MsDrg "378"),
    s!(Drg, 1_500_000, "Renal failure with CC", MsDrg "683"),
    s!(Drg, 1_700_000, "Miscellaneous disorders of nutrition, metabolism, fluids and electrolytes with MCC", MsDrg "640"),
    s!(Drg, 1_300_000, "Diabetes with CC", MsDrg "638"),
    s!(Drg, 1_200_000, "Syncope and collapse", MsDrg "312"),
    s!(Drg, 900_000, "Chest pain", MsDrg "313"),
    s!(Drg, 2_200_000, "Laparoscopic cholecystectomy without C.D.E. without CC/MCC", MsDrg "419"),
    s!(Drg, 2_400_000, "O.R. procedures for obesity without CC/MCC", MsDrg "621"),
    s!(Drg, 4_000_000, "Major small and large bowel procedures with CC", MsDrg "330"),
    s!(Drg, 3_500_000, "Respiratory system diagnosis with ventilator support <=96 hours", MsDrg "208"),
    s!(Drg, 2_200_000, "Respiratory infections and inflammations with CC", MsDrg "178"),
    s!(Drg, 9_000_000, "Infectious and parasitic diseases with O.R. procedure with MCC", MsDrg "853"),
    s!(Drg, 25_000_000, "ECMO or tracheostomy with MV >96 hours or principal diagnosis except face, mouth and neck with major O.R. procedure", MsDrg "003"),
    s!(Drg, 45_000_000, "Heart transplant or implant of heart assist system with MCC", MsDrg "001"),
    s!(PsychDrg, 1_600_000, "Psychoses", MsDrg "885"),
    s!(PsychDrg, 1_100_000, "Alcohol, drug abuse or dependence without rehabilitation therapy without MCC", MsDrg "897"),
    s!(PsychDrg, 1_300_000, "Depressive neuroses", MsDrg "881"),
    s!(RehabCmg, 2_500_000, "Inpatient rehabilitation, stroke", Cmg "0101"),
    s!(RehabCmg, 2_000_000, "Inpatient rehabilitation, fracture of lower extremity", Cmg "0704"),
    s!(RehabCmg, 1_400_000, "Inpatient rehabilitation, replacement of lower extremity joint", Cmg "0801"),
    s!(RehabCmg, 2_200_000, "Inpatient rehabilitation, non-traumatic spinal cord injury", Cmg "0501"),
    s!(LongTermDrg, 9_000_000, "Respiratory system diagnosis with ventilator support >96 hours", MsLtcDrg "207"),
    s!(LongTermDrg, 4_000_000, "Pulmonary edema and respiratory failure", MsLtcDrg "189"),
    s!(LongTermDrg, 4_500_000, "Skin ulcers with MCC", MsLtcDrg "592"),
    s!(LongTermDrg, 3_500_000, "Aftercare with CC/MCC", MsLtcDrg "949"),
    // Room and board.
    s!(Room, 350_000, "Room and board, semi-private, medical/surgical, per day", Rc "120"),
    s!(Room, 420_000, "Room and board, private, medical/surgical, per day", Rc "110"),
    s!(Room, 900_000, "Intensive care unit, per day", Rc "200"),
    s!(Room, 650_000, "Intermediate intensive care (step-down), per day", Rc "206"),
    s!(Room, 1_000_000, "Neonatal intensive care, level IV, per day", Rc "174"),
    s!(Room, 200_000, "Room and board, psychiatric, per day", Rc "114"),
    s!(Room, 250_000, "Room and board, rehabilitation, per day", Rc "118"),
    s!(Room, 150_000, "Behavioral health, residential treatment program, per diem", Hcpcs "H0017"),
    s!(Room, 80_000, "Alcohol and/or drug treatment program, per diem", Hcpcs "H2036"),
    // Injectable and infused drugs (HCPCS + NDC).
    s!(drug(U, 0, Ml), 150, "Dexamethasone sodium phosphate 4 mg/mL injection", Hcpcs "J1100", Ndc "63323-0165-01"),
    s!(drug(2 * U, 0, Ml), 1_800, "Ondansetron 2 mg/mL injection", Hcpcs "J2405", Ndc "68083-0121-25"),
    s!(drug(U, 0, Ea), 800, "Ceftriaxone 250 mg vial", Hcpcs "J0696", Ndc "60505-0749-04"),
    s!(drug(U, 0, Ml), 1_200, "Morphine sulfate 10 mg/mL injection", Hcpcs "J2270", Ndc "0409-1890-01"),
    s!(drug(2 * U, 0, Ml), 600, "Fentanyl citrate 50 mcg/mL injection", Hcpcs "J3010", Ndc "0641-6027-25"),
    s!(drug(U, 0, Ml), 500, "Ketorolac tromethamine 15 mg/mL injection", Hcpcs "J1885", Ndc "70860-0701-11"),
    s!(drug(1_000 * U, 0, Ml), 4_500, "Sodium chloride 0.9% infusion, 1000 mL", Hcpcs "J7030", Ndc "0338-0049-04"),
    s!(drug(250 * U, 0, Ml), 2_000, "Sodium chloride 0.9% infusion, 250 mL", Hcpcs "J7050", Ndc "0338-0049-02"),
    s!(drug(U, 0, Ml), 900, "Hydromorphone 2 mg/mL injection", Hcpcs "J1170", Ndc "0409-2634-01"),
    s!(drug(U, 0, Ml), 700, "Epinephrine 1 mg/mL injection", Hcpcs "J0171", Ndc "42023-0159-01"),
    s!(drug(10 * U, 0, Ml), 300, "Insulin regular human 100 units/mL", Hcpcs "J1815", Ndc "0002-8215-01"),
    s!(drug(5 * U, 0, Ml), 400, "Lidocaine 1% injection, 5 mL", Hcpcs "J2001", Ndc "63323-0485-27"),
    s!(drug(U, 0, Gr), 650, "Cefazolin 1 g vial", Hcpcs "J0690", Ndc "0143-9924-90"),
    s!(drug(U, 0, Ea), 1_400, "Vancomycin 500 mg vial", Hcpcs "J3370", Ndc "0409-4332-01"),
    s!(drug(2 * U, 0, Ml), 350, "Midazolam 1 mg/mL injection", Hcpcs "J2250", Ndc "0641-6057-10"),
    s!(drug(U, 0, Ml), 1_100, "Methylprednisolone acetate 40 mg/mL injection", Hcpcs "J1030", Ndc "0009-3073-01"),
    s!(drug(5 * U, 0, Ml), 2_500, "Carboplatin 10 mg/mL injection, 5 mL vial", Hcpcs "J9045", Ndc "61703-0339-18"),
    s!(drug(U, 0, Ea), 95_000, "Trastuzumab 150 mg vial", Hcpcs "J9355", Ndc "50242-0132-01"),
    s!(drug(4 * U, 0, Ml), 520_000, "Pembrolizumab 25 mg/mL injection, 4 mL vial", Hcpcs "J9271", Ndc "0006-3026-02"),
    s!(drug(6_000, 1, Ml), 350_000, "Pegfilgrastim 6 mg/0.6 mL prefilled syringe", Hcpcs "J2506", Ndc "55513-0190-01"),
    s!(drug(U, 0, Ml), 300_000, "Denosumab 60 mg/mL prefilled syringe", Hcpcs "J0897", Ndc "55513-0710-01"),
    s!(drug(U, 0, Ea), 90_000, "Infliximab 100 mg vial", Hcpcs "J1745", Ndc "57894-0030-01"),
    s!(drug(U, 0, Ml), 300, "Cyanocobalamin 1000 mcg/mL injection", Hcpcs "J3420", Ndc "63323-0044-01"),
    s!(drug(U, 0, Ml), 400, "Heparin sodium 5000 units/mL injection", Hcpcs "J1644", Ndc "63323-0262-01"),
    s!(drug(4_000, 1, Ml), 2_500, "Enoxaparin 40 mg/0.4 mL prefilled syringe", Hcpcs "J1650", Ndc "0955-1016-10"),
    // Oral and topical drugs (NDC only).
    s!(drug(U, 0, Un), 25, "Aspirin 81 mg chewable tablet", Ndc "10135-0729-62"),
    s!(drug(U, 0, Un), 30, "Acetaminophen 325 mg tablet", Ndc "0904-6723-61"),
    s!(drug(U, 0, Un), 150, "Ondansetron 4 mg orally disintegrating tablet", Ndc "68462-0157-13"),
    s!(drug(U, 0, Un), 200, "Oxycodone 5 mg tablet", Ndc "0406-0552-01"),
    s!(drug(U, 0, Un), 60, "Atorvastatin 40 mg tablet", Ndc "0378-3952-77"),
    s!(drug(U, 0, Un), 40, "Metoprolol tartrate 25 mg tablet", Ndc "0378-0018-01"),
    s!(drug(U, 0, Un), 50, "Amoxicillin 500 mg capsule", Ndc "65862-0017-01"),
    s!(drug(U, 0, Un), 80, "Pantoprazole 40 mg delayed-release tablet", Ndc "62175-0617-37"),
    s!(drug(U, 0, Un), 45, "Gabapentin 300 mg capsule", Ndc "59762-5026-01"),
    s!(drug(U, 0, Un), 20, "Docusate sodium 100 mg capsule", Ndc "0536-1055-01"),
    s!(drug(3 * U, 0, Ml), 120, "Albuterol sulfate 2.5 mg/3 mL inhalation solution", Ndc "0487-9501-25"),
    s!(drug(500, 2, Me), 35, "Levothyroxine 50 mcg tablet", Ndc "0378-1803-01"),
    s!(drug(100 * U, 0, F2), 3_500, "Insulin lispro 100 units/mL, per 100 units", Ndc "0002-7510-01"),
    s!(drug(60 * U, 0, Gm), 4_000, "Permethrin 5% cream, 60 g tube", Ndc "45802-0269-37"),
    s!(drug(284_000, 1, Gm), 800, "Bacitracin 500 units/g ointment, 28.4 g tube", Ndc "0168-0012-31"),
    s!(drug(U, 0, Un), 70, "Prednisone 20 mg tablet", Ndc "0054-4728-25"),
    s!(drug(U, 0, Un), 55, "Lisinopril 10 mg tablet", Ndc "68180-0514-01"),
    s!(drug(U, 0, Un), 65, "Furosemide 40 mg tablet", Ndc "0054-4299-25"),
    // Chargemaster supplies (LOCAL codes).
    s!(Supply, 9_500, "Catheter, Foley, 16 Fr, with tray", Rc "272", Local "SUP10045"),
    s!(Supply, 4_500, "IV start kit", Rc "270", Local "SUP10112"),
    s!(Supply, 1_500, "Dressing, transparent film, 4 x 4.75 in", Rc "272", Local "SUP10230"),
    s!(Supply, 12_000, "Splint, fiberglass, short arm", Rc "272", Local "SUP10318"),
    s!(Supply, 6_000, "Cervical collar, adjustable", Rc "274", Local "SUP10402", Hcpcs "L0172"),
    s!(Supply, 6_000, "Crutches, underarm, pair", Rc "274", Local "SUP10417", Hcpcs "E0114"),
    s!(Supply, 8_000, "Wrist hand orthosis, prefabricated", Rc "274", Local "SUP10421", Hcpcs "L3908"),
    s!(Supply, 350_000, "Implant, bone anchor, suture", Rc "278", Local "SUP20511"),
    s!(Supply, 1_200_000, "Implant, knee tibial component", Rc "278", Local "SUP20640"),
    s!(Supply, 2_500, "Suture, absorbable, per pack", Rc "272", Local "SUP10577"),
    s!(Supply, 3_000, "Oxygen, per hour", Rc "412", Local "RES30001"),
    s!(Supply, 15_000, "Blood, packed red cells, per unit processing", Rc "390", Local "BLD40010", Hcpcs "P9016"),
    s!(Supply, 25_000, "Anesthesia, general, first 30 minutes", Rc "370", Local "ANE50030"),
    s!(Supply, 8_000, "Anesthesia, general, each additional 15 minutes", Rc "370", Local "ANE50045"),
    s!(Supply, 60_000, "Operating room time, first 30 minutes", Rc "360", Local "OR060030"),
    s!(Supply, 20_000, "Operating room time, each additional 15 minutes", Rc "360", Local "OR060045"),
    s!(Supply, 30_000, "Recovery room, first 30 minutes", Rc "710", Local "REC70030"),
];

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn every_service_is_distinct_and_priced() {
        let mut seen = HashSet::new();
        for service in SERVICES {
            assert!(service.base_cents > 0, "{service:?}");
            assert!(
                (1..=MAX_SERVICE_CODES).contains(&service.codes.len()),
                "{service:?}"
            );
            assert!(
                seen.insert((service.description, service.codes)),
                "{service:?}"
            );
            let ndc = service.codes.iter().any(|(kind, _)| *kind == CodeType::Ndc);
            assert_eq!(
                ndc,
                matches!(service.kind, Kind::Drug { .. }),
                "{service:?}"
            );
        }
        assert!(SERVICES.len() >= 200, "{}", SERVICES.len());
    }
}
